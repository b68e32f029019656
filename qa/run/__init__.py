"""A scoring run: read → score → tally → gate, in this process, a process pool or on Dask."""
