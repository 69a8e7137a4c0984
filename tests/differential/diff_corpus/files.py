"""The file tasks (``prefect.tasks.files``): copy, move, remove, glob, zip and unzip, in the
scenario's own working directory (relative paths, so both engines' results read the same)."""

PRELUDE = '''
import os
from prefect.tasks.files import Copy, Glob, Move, Remove, Unzip, Zip

def make(path, text="x"):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as file:
        file.write(text)

def tree(folder="."):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)

def observe(flow, state):
    return tree()
'''

SCENARIOS = {
    "copy_move_and_remove_files_and_folders": '''
def build():
    make("in/a.txt", "a")
    make("in/sub/b.txt", "b")
    os.makedirs("empty")
    os.makedirs("out")
    with Flow("files") as flow:
        one = Copy(source_path="in/a.txt", target_path="out/a-copy.txt", name="copy_file")()
        folder = Copy(name="copy_folder")(source_path="in", target_path="in-copy")
        into = Copy(name="copy_into_folder")(source_path="in/a.txt", target_path="out")
        moved = Move(name="move")(source_path="in-copy/sub", target_path="out/moved", upstream_tasks=[folder])
        Remove(name="remove_file")(path="in/a.txt", upstream_tasks=[one, into, folder])
        Remove(name="remove_empty_folder")(path="empty")
        Remove(name="remove_full_folder")(path="in/sub")
    return flow
''',
    "file_tasks_refuse_missing_and_empty_paths": '''
def build():
    with Flow("files") as flow:
        Copy(name="copy_missing")(source_path="nope.txt", target_path="x.txt")
        Copy(name="copy_no_target", source_path="nope.txt")()
        Move(name="move_nothing")()
        Remove(name="remove_missing")(path="gone")
        Remove(name="remove_nothing")()
        Glob(name="glob_nothing")()
        Unzip(name="unzip_nothing")()
        Unzip(name="unzip_missing")(zip_path="missing.zip")
        Zip(name="zip_nothing")()
        Zip(name="zip_no_target", source_path="a")()
    return flow
''',
    "glob_lists_matching_paths": '''
@task
def names(paths):
    return sorted(str(p) for p in paths)

def build():
    make("data/2024/a.csv")
    make("data/2024/b.txt")
    make("data/c.csv")
    with Flow("files") as flow:
        names(Glob(path="data", pattern="*.csv", name="top")())
        names(Glob(name="deep")(path="data", pattern="**/*.csv"))
        names(Glob(name="everything")(path="data"))
    return flow
''',
    "zip_then_unzip_files_and_folders": '''
import zipfile

@task
def members(path):
    with zipfile.ZipFile(path) as archive:
        return sorted((info.filename, info.compress_type) for info in archive.infolist())

def build():
    make("src/one.txt", "1")
    make("src/deep/two.txt", "2")
    make("lone.txt", "3")
    os.makedirs("unpacked")
    with Flow("files") as flow:
        packed = Zip(name="zip", compression_method="bzip2")(source_path=["src", "lone.txt"], zip_path="out.zip")
        listed = members("out.zip", upstream_tasks=[packed])
        single = Zip(source_path="lone.txt", zip_path="single.zip", compression_method="store",
                     name="zip_single")()
        members("single.zip", upstream_tasks=[single])
        Unzip(name="unzip")(zip_path="out.zip", extract_dir="unpacked", upstream_tasks=[listed])
        Unzip(name="unzip_not_a_zip")(zip_path="lone.txt")
    return flow
''',
    "zip_refuses_an_unknown_compression_method": '''
def build():
    with Flow("files") as flow:
        try:
            Zip(compression_method="rar")
        except ValueError as exc:
            LOG.append(str(exc))
    return flow

def observe(flow, state):
    return LOG
''',
}
