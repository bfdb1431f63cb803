"""Airflow glue for ddb2sf: settings, planning, and the task factory used by dags/dynamodb_to_snowflake.py."""
