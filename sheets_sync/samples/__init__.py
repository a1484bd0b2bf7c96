"""Workbooks the product ships: the demo (``demo``, what a newcomer's first `run` writes)
and the large synthetic workbook the benchmarks sync (``synthetic``)."""
