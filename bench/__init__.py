"""Entry-check benchmark: ``python -m bench`` (see ``bench/__main__.py``).

``bench.situations`` builds designations from the real national risk lists and
a deterministic batch of situation JSON lines; ``bench.measure`` times the batch
path of ``fanjing check`` (``Checker.check_lines`` plus ``json.dumps``) in-process.
"""
