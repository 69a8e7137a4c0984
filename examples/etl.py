"""An ETL flow: extract orders, transform them in mapped batches, load with retries, report.

Run it with ``flowctl run examples/etl.py`` (add ``--param batches=20`` or
``--output json``). The ``load`` task fails its first attempt on purpose,
like a flaky database connection, and succeeds on the retry.
"""
import datetime
import random
import time

import flowctl
from flowctl import Flow, Parameter, task


@task
def extract(batches: int, batch_size: int) -> list:
    """Pretend to page through an API: one list of order dicts per page."""
    logger = flowctl.context["logger"]
    rng = random.Random(42)
    pages = [
        [{"id": page * batch_size + i, "amount": round(rng.uniform(5, 500), 2),
          "country": rng.choice(["FR", "DE", "US", "JP"])} for i in range(batch_size)]
        for page in range(batches)
    ]
    logger.info("Extracted %d orders in %d batches", batches * batch_size, batches)
    return pages


@task
def transform(orders: list, currency: str) -> dict:
    """Total one batch by country (each batch is one mapped child)."""
    time.sleep(0.05)  # stands in for real work, so the live view has something to show
    totals: dict = {}
    for order in orders:
        totals[order["country"]] = round(totals.get(order["country"], 0) + order["amount"], 2)
    flowctl.context["logger"].debug("Batch %s: %s", flowctl.context.get("map_index"), totals)
    return {"currency": currency, "totals": totals}


@task(max_retries=2, retry_delay=datetime.timedelta(seconds=0.2))
def load(batch_totals: list, table: str) -> int:
    """Write the totals to the warehouse; the first attempt times out on purpose."""
    logger = flowctl.context["logger"]
    if flowctl.context.get("task_run_count", 1) == 1:
        logger.warning("Connection to warehouse table %r timed out; will retry", table)
        raise ConnectionError(f"warehouse table {table!r} timed out")
    logger.info("Loaded %d batches into %r", len(batch_totals), table)
    return len(batch_totals)


@task
def report(batch_totals: list, loaded: int) -> dict:
    """Sum every batch into one figure per country and log it."""
    grand: dict = {}
    for batch in batch_totals:
        for country, amount in batch["totals"].items():
            grand[country] = round(grand.get(country, 0) + amount, 2)
    flowctl.context["logger"].info("Loaded %d batches; totals by country: %s", loaded, grand)
    return grand


with Flow("ETL") as flow:
    batches = Parameter("batches", default=8)
    batch_size = Parameter("batch_size", default=25)
    currency = Parameter("currency", default="EUR")
    table = Parameter("table", default="orders_daily")

    pages = extract(batches, batch_size)
    batch_totals = transform.map(pages, currency=flowctl.unmapped(currency))
    loaded = load(batch_totals, table)
    report(batch_totals, loaded)


if __name__ == "__main__":
    flow.run()
