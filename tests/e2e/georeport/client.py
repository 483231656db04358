"""Drives an Open311 GeoReport v2 endpoint with the third-party `georeport` client (PyPI)
and prints what it returned as JSON, for tests/e2e/open311.test.mjs.

usage: client.py ROOT FORMAT OP [ARG]
  FORMAT  json | xml (the client parses XML itself, with xmltodict)
  OP      services | definition CODE | requests FILTERS_JSON | request ID
A HTTP error of the endpoint exits 3 with {"http_error": status, "body": text}."""
import json
import sys

import requests
from georeport import GeoReport


def main():
    root, fmt, op = sys.argv[1], sys.argv[2], sys.argv[3]
    arg = sys.argv[4] if len(sys.argv) > 4 else None
    client = GeoReport(root, output_format=fmt)
    try:
        if op == 'services':
            out = client.get_service_list()
        elif op == 'definition':
            out = client.get_service_definition(arg)
        elif op == 'requests':
            out = client.get_service_requests(**json.loads(arg or '{}'))
        elif op == 'request':
            out = client.get_service_request(arg)
        else:
            raise SystemExit(f'unknown op {op}')
    except requests.HTTPError as e:
        print(json.dumps({'http_error': e.response.status_code, 'body': e.response.text}))
        sys.exit(3)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
