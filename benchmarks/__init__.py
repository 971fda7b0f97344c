"""Speed and memory of the official outputs (issue 5, item 7), measured on this machine.

Not a test: ``make bench`` (or ``python -m benchmarks``) seeds the demo data into a throw-away
database, times the exports against the issue's floors and writes ``docs/benchmarks.md``.
"""
