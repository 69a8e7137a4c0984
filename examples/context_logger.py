"""Reading the task's logger from flowctl.context inside a run."""
import flowctl
from flowctl import Flow


@flowctl.task
def log_hello():
    logger = flowctl.context["logger"]
    logger.info("Hello!")


with Flow("log-hello") as flow:
    log_hello()


if __name__ == "__main__":
    print(flow.run())
