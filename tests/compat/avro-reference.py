"""Apache Avro's reference compatibility checker as a batch filter for the cross-check test.

Reads JSON lines {"id", "reader", "writer"} (schemas as JSON values) on stdin and writes JSON lines
{"id", "compatible"} or {"id", "error"} (a schema the reference cannot parse) on stdout, one process
for the whole batch. Needs Debian's python3-avro: run it with /usr/bin/python3.
"""
import json
import sys
import warnings

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

warnings.simplefilter("ignore")

for line in sys.stdin:
    if not line.strip():
        continue
    case = json.loads(line)
    try:
        reader = avro.schema.parse(json.dumps(case["reader"]))
        writer = avro.schema.parse(json.dumps(case["writer"]))
        result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
        out = {"id": case["id"], "compatible": result.compatibility is SchemaCompatibilityType.compatible}
    except Exception as err:  # noqa: BLE001 - every failure is reported back per case
        out = {"id": case["id"], "error": f"{type(err).__name__}: {err}"}
    sys.stdout.write(json.dumps(out) + "\n")
sys.stdout.flush()
