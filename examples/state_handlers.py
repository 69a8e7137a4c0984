"""State handlers: a hook called on every state change of a task."""
from flowctl import Flow, task

NOTIFICATIONS = []


def send_notification(obj, old_state, new_state):
    """Records the error message when the task fails (the seed POSTs it)."""
    if new_state.is_failed():
        NOTIFICATIONS.append({"error_msg": str(new_state.result)})
    return new_state


@task(state_handlers=[send_notification])
def do_nothing():
    pass


@task(state_handlers=[send_notification])
def fails():
    raise ValueError("something broke")


with Flow("handlers") as flow:
    do_nothing()
    fails()


if __name__ == "__main__":
    print(flow.run(), NOTIFICATIONS)
