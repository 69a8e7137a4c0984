"""Serializers beyond pickle and JSON: ``CompressedSerializer`` and ``DateTimeSerializer``
(the differential corpus, ``diff_corpus/serializers.py``, compares the bytes they write with Prefect 1.4.1's)."""
from __future__ import annotations

import bz2
import datetime
import lzma

import pytest

from flowctl.engine.results import LocalResult
from flowctl.engine.serializers import CompressedSerializer, DateTimeSerializer, JSONSerializer, PickleSerializer


@pytest.mark.parametrize("name, module", [("bz2", bz2), ("lzma", lzma)])
def test_a_named_format_compresses_the_wrapped_serializer_s_bytes(name, module):
    serializer = CompressedSerializer(JSONSerializer(), format=name)
    data = serializer.serialize({"rows": list(range(50))})
    assert module.decompress(data) == JSONSerializer().serialize({"rows": list(range(50))})
    assert serializer.deserialize(data) == {"rows": list(range(50))}


def test_compressed_serializers_are_equal_when_made_alike():
    gzip_pickle = CompressedSerializer(PickleSerializer(), format="gzip")
    assert gzip_pickle == CompressedSerializer(PickleSerializer(), format="gzip")
    assert gzip_pickle != CompressedSerializer(JSONSerializer(), format="gzip")
    assert gzip_pickle != CompressedSerializer(PickleSerializer(), format="gzip", compress_kwargs={"compresslevel": 1})
    assert len({gzip_pickle, CompressedSerializer(PickleSerializer(), format="gzip")}) == 1


def test_a_compressed_checkpoint_reads_back_through_its_result(tmp_path):
    result = LocalResult(dir=str(tmp_path), location="value.z",
                         serializer=CompressedSerializer(PickleSerializer(), format="zlib"))
    written = result.write({"a": 1})
    assert result.read(written.location).value == {"a": 1}
    assert (tmp_path / "value.z").read_bytes()[:1] == b"x"  # a zlib stream's header


def test_datetimes_are_written_as_iso_text_naive_ones_as_utc():
    serializer = DateTimeSerializer()
    naive = datetime.datetime(2024, 1, 2, 3, 4, 5)
    assert serializer.serialize(naive) == b"2024-01-02T03:04:05Z"
    assert serializer.deserialize(b"2024-01-02T03:04:05Z") == naive.replace(tzinfo=datetime.timezone.utc)
    plus_two = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert serializer.deserialize(serializer.serialize(plus_two)) == plus_two
    with pytest.raises(TypeError, match="not str"):
        serializer.serialize("2024-01-02")


def test_a_pickle_written_as_base64_text_still_reads_and_garbage_raises_its_own_error():
    import base64
    import pickle

    serializer = PickleSerializer()
    assert serializer.deserialize(base64.b64encode(pickle.dumps({"old": 1}))) == {"old": 1}
    with pytest.raises(pickle.UnpicklingError):
        serializer.deserialize(b"not a pickle at all")


def test_a_prefect_result_refuses_a_serializer_that_does_not_write_text():
    from flowctl.engine.results import PrefectResult

    with pytest.raises(TypeError, match="only supports JSONSerializer or DateTimeSerializer"):
        PrefectResult(serializer=PickleSerializer())
    result = PrefectResult(serializer=DateTimeSerializer())
    with pytest.raises(TypeError, match="only supports JSONSerializer or DateTimeSerializer"):
        result.serializer = PickleSerializer()
    when = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    written = result.write(when)
    assert result.read(written.location).value == when
    assert PrefectResult().write({"a": [1]}).location == '{"a": [1]}'
