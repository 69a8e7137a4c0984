"""flowctl's benchmark harness: ``python -m benchmarks`` prints one comparison table.

Each workload x system pair runs in a fresh subprocess (``benchmarks.worker``)
so peak RSS is that run's own and a hung or crashing run cannot take the table
down. Nothing here imports flowctl, dask or prefect at import time: the same
worker module runs under the peers' virtual environment, which has Prefect
1.4.1 but not flowctl.
"""
