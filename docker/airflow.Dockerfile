# Airflow for the local stack: the DAG runs in local mode, each task a `java -jar ddb2sf.jar` process, so the image
# carries a JRE beside Airflow. Production runs the stock Airflow image with DDB2SF_MODE=kubernetes instead.
FROM eclipse-temurin:21-jre AS jre

FROM apache/airflow:3.3.2-python3.11
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
ENV DDB2SF_JAVA=/opt/java/openjdk/bin/java
RUN pip install --no-cache-dir "apache-airflow==3.3.2" "apache-airflow-providers-cncf-kubernetes==10.25.0"
