"""Serializers of checkpointed results: the bytes ``CompressedSerializer`` and
``DateTimeSerializer`` write, and reading them back through the result."""

PRELUDE = '''
import datetime, gzip, os
from prefect.engine.results import LocalResult
from prefect.engine.serializers import CompressedSerializer, DateTimeSerializer, JSONSerializer

def read_back(flow, state, name):
    s = state.result[flow.get_tasks(name=name)[0]]
    return s._result.read(s._result.location).value
'''

SCENARIOS = {
    "compressed_json_result_is_gzip_of_the_json": '''
@task(result=LocalResult(dir=WORKDIR, location="numbers.json.gz",
                         serializer=CompressedSerializer(JSONSerializer(), format="gzip")))
def numbers():
    return {"values": [1, 2, 3]}

def build():
    with Flow("compressed") as flow:
        numbers()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    with open(os.path.join(WORKDIR, "numbers.json.gz"), "rb") as stream:
        raw = stream.read()
    return [gzip.decompress(raw).decode(), read_back(flow, state, "numbers")]
''',
    "compressed_serializer_given_functions_and_bad_formats": '''
import zlib

@task(result=LocalResult(dir=WORKDIR, location="out.z",
                         serializer=CompressedSerializer(JSONSerializer(), compress=zlib.compress,
                                                         decompress=zlib.decompress,
                                                         compress_kwargs={"level": 9})))
def value():
    return "text"

def build():
    for kwargs in ({"format": "gzip", "compress": zlib.compress}, {}, {"format": "json"}):
        try:
            CompressedSerializer(JSONSerializer(), **kwargs)
        except (ValueError, ImportError) as exc:
            LOG.append([type(exc).__name__, str(exc).split(".")[0]])
    with Flow("compressed") as flow:
        value()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    with open(os.path.join(WORKDIR, "out.z"), "rb") as stream:
        return [zlib.decompress(stream.read()).decode(), read_back(flow, state, "value")]
''',
    "datetime_result_is_iso_text": '''
@task(result=LocalResult(dir=WORKDIR, location="when.txt", serializer=DateTimeSerializer()))
def when():
    return datetime.datetime(2024, 5, 6, 7, 8, 9, 1234)

def build():
    with Flow("dates") as flow:
        when()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    with open(os.path.join(WORKDIR, "when.txt")) as stream:
        return [stream.read(), read_back(flow, state, "when").isoformat()]
''',
}
