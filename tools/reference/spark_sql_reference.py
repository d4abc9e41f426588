"""Runs threatstat-engine's Spark SQL on Apache Spark and stores the results,
so that `crates/threatstat-engine/tests/spark_parity.rs` can check, without
Spark, that every Spark query computes what the native path computes.

Needs Java 17+ and PySpark (tools/reference/requirements-spark.txt):

    python3 -m venv /tmp/sparkenv && /tmp/sparkenv/bin/pip install -r tools/reference/requirements-spark.txt
    cargo run -p threatstat-engine --example spark_parity -- /tmp/spark-parity
    /tmp/sparkenv/bin/python tools/reference/spark_sql_reference.py /tmp/spark-parity

The example writes the inputs (a generated LANL set, a generated CERT
logon.csv, the bundled Exchange audit log with a `row` column) and one
query per case to DIR/queries/. This script registers the inputs as the
tables the queries read, the way a Spark user would (the registrations are
the ones README.md shows), runs each query in local mode with
spark.sql.session.timeZone=UTC, and writes
crates/threatstat-engine/tests/fixtures/spark/<case>.csv (NULL as an empty
field) beside a copy of <case>.sql, plus spark_versions.json.
"""

import csv
import glob
import json
import os
import shutil
import subprocess
import sys

from pyspark.sql import SparkSession

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "crates", "threatstat-engine",
                   "tests", "fixtures", "spark")

LANL_AUTH = ("time BIGINT, src_user STRING, dst_user STRING, src_computer STRING, dst_computer STRING, "
             "auth_type STRING, logon_type STRING, orientation STRING, outcome STRING")
LANL_FLOWS = ("time BIGINT, duration BIGINT, src_computer STRING, src_port STRING, dst_computer STRING, "
              "dst_port STRING, protocol STRING, packets BIGINT, bytes BIGINT")


def register(spark, d):
    """The tables the queries read. FAILFAST: a line Spark cannot parse
    stops the run instead of becoming a row of NULLs."""
    def r():
        return spark.read.option("mode", "FAILFAST")  # a reader keeps its options: one per table

    r().schema(LANL_AUTH).csv(os.path.join(d, "auth.txt")).createOrReplaceTempView("lanl_auth")
    r().schema(LANL_FLOWS).csv(os.path.join(d, "flows.txt")).createOrReplaceTempView("lanl_flows")
    # CERT logon.csv: header id,date,user,pc,activity; every column a string.
    r().option("header", True).csv(os.path.join(d, "logon.csv")).createOrReplaceTempView("cert_logon")
    # An event log with a header; quoted values span lines (msticpy's
    # Parameters column), and quotes inside values are doubled.
    (r().option("header", True).option("multiLine", True).option("escape", '"')
     .csv(os.path.join(d, "exchange.csv")).createOrReplaceTempView("events"))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: spark_sql_reference.py DIR (written by the spark_parity example)")
    d = sys.argv[1]
    spark = (SparkSession.builder.master("local[2]").appName("threatstat-spark-parity")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    register(spark, d)
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*.csv")) + glob.glob(os.path.join(OUT, "*.sql")):
        os.remove(old)
    queries = sorted(glob.glob(os.path.join(d, "queries", "*.sql")))
    if not queries:
        sys.exit(f"no queries in {d}/queries: run the spark_parity example first")
    for q in queries:
        name = os.path.splitext(os.path.basename(q))[0]
        with open(q) as f:
            text = f.read()
        df = spark.sql(text.strip().rstrip(";"))
        rows = df.collect()
        with open(os.path.join(OUT, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(df.columns)
            for row in rows:
                w.writerow(["" if v is None else v for v in row])
        shutil.copyfile(q, os.path.join(OUT, name + ".sql"))
        print(f"{name}: {len(rows)} rows")
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    with open(os.path.join(OUT, "spark_versions.json"), "w") as f:
        json.dump({"spark": spark.version, "java": java, "python": sys.version.split()[0],
                   "master": "local[2]", "spark.sql.session.timeZone": "UTC"}, f, indent=1)
        f.write("\n")
    spark.stop()


if __name__ == "__main__":
    main()
