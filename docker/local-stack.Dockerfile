# The Python half of the local stack (moto's S3 server and fakesnow), with the same pinned versions the scripts use.
FROM python:3.11-slim
COPY scripts/requirements.txt /ddb2sf/scripts/requirements.txt
RUN pip install --no-cache-dir -r /ddb2sf/scripts/requirements.txt
COPY scripts/fakesnow_server.py /ddb2sf/scripts/fakesnow_server.py
# DuckDB keeps its settings under $HOME; the unprivileged user has none of its own.
ENV HOME=/tmp
USER 65532:65532
