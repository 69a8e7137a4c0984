"""The file tasks beyond what the differential corpus compares (``diff_corpus/files.py``):
an archive cannot write outside the directory it is extracted into."""
from __future__ import annotations

import zipfile

import flowctl
from flowctl.tasks.files import Unzip, Zip


def test_unzip_keeps_hostile_member_names_inside_the_target(tmp_path):
    archive = tmp_path / "hostile.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        opened.writestr("../escaped.txt", "up")
        opened.writestr("/absolute.txt", "root")
        opened.writestr("fine/inner.txt", "ok")
    target = tmp_path / "inside"
    target.mkdir()
    with flowctl.Flow("unzip") as flow:
        unzipped = Unzip(zip_path=str(archive), extract_dir=str(target))()
    state = flow.run()
    assert state.result[unzipped].result == target
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["hostile.zip", "inside/absolute.txt", "inside/escaped.txt", "inside/fine/inner.txt"]


def test_zip_of_a_folder_names_members_under_the_folder(tmp_path):
    (tmp_path / "data" / "deep").mkdir(parents=True)
    (tmp_path / "data" / "deep" / "x.csv").write_text("1")
    out = tmp_path / "out.zip"
    with flowctl.Flow("zip") as flow:
        Zip(compression_method="lzma", compression_level=None)(source_path=str(tmp_path / "data"),
                                                                zip_path=str(out))
    assert flow.run().is_successful()
    with zipfile.ZipFile(out) as opened:
        assert [(i.filename, i.compress_type) for i in opened.infolist()] == [("data/deep/x.csv", zipfile.ZIP_LZMA)]
