"""What cloudpickle can and cannot serialize (the seed's round trip)."""
import cloudpickle


def round_trip(obj):
    return cloudpickle.loads(cloudpickle.dumps(obj))


if __name__ == "__main__":
    print(cloudpickle.dumps(None))
    assert round_trip(None) is None
    custom_generator = (x for x in range(5))
    try:
        cloudpickle.dumps(custom_generator)
    except TypeError as exc:
        print("TypeError:", exc)
