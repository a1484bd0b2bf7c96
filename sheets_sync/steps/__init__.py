"""The steps of one sync, one module per thing they produce. Each is ``step(ctx) -> None``:
it reads the ``SyncContext`` (the read workbook, the typed Workshop, config, ``today`` and
``now``) and fills its ``Outputs``; the arithmetic lives in ``domain``. The order they run
in is said in one place only: ``pipeline.build_steps`` and its named segments."""
