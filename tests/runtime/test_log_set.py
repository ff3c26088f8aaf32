"""Many queue_log files as one input: globs, folders, order, gzip, overlaps, bad files."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pytest

from wallboard.adapters.recording import RecordingWriter
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.runtime.log_set import LogSet, expand


def lines_of(log_set: LogSet) -> list[str]:
    return [line for chunk in log_set.chunks() for _, line in chunk.numbered_lines()]


@pytest.fixture
def lines(run_a) -> list[str]:
    return (run_a / "queue_log").read_text().splitlines()


def write(path: Path, lines: list[str], *, compress: bool = False) -> Path:
    data = "".join(f"{line}\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def rotated(folder: Path, lines: list[str], overlap: int = 0) -> list[Path]:
    """queue_log.2.gz, queue_log.1, queue_log: a third of the lines each, `overlap` repeated."""
    third = len(lines) // 3
    return [
        write(folder / "queue_log.2.gz", lines[: third + overlap], compress=True),
        write(folder / "queue_log.1", lines[third : 2 * third + overlap]),
        write(folder / "queue_log", lines[2 * third :]),
    ]


def test_rotated_files_named_in_any_order_read_as_the_original(tmp_path, lines):
    files = rotated(tmp_path, lines)
    for specs in (
        [str(f) for f in reversed(files)],
        [str(tmp_path / "queue_log*")],
        [str(tmp_path)],
    ):
        log_set = LogSet(specs)
        assert [f.path.name for f in log_set.files] == [
            "queue_log.2.gz",
            "queue_log.1",
            "queue_log",
        ]
        assert lines_of(log_set) == lines
        assert log_set.notes == []


def test_lines_in_two_overlapping_files_are_read_once_with_a_note(tmp_path, lines, caplog):
    rotated(tmp_path, lines, overlap=5)
    log_set = LogSet([str(tmp_path / "queue_log*")])
    with caplog.at_level(logging.WARNING):
        assert lines_of(log_set) == lines
    assert len(log_set.notes) == 2
    assert "queue_log.1 overlaps" in log_set.notes[0]
    assert "5 lines are in both and are counted once" in log_set.notes[0]
    assert log_set.notes[0] in caplog.text


FAR_FUTURE = "4070908800|1.1|support|NONE|ENTERQUEUE||5550100|1"  # 2099-01-01: a bad stamp


@pytest.mark.parametrize("overlap", [0, 5])
def test_a_far_future_line_ending_a_file_does_not_make_the_next_one_overlap(
    tmp_path, lines, overlap
):
    # The mapper skips such a line once the next file's lines contradict it; the overlap
    # check must not take it for where the file ends (every later line was "inside" it).
    third = len(lines) // 3
    write(tmp_path / "queue_log.1", [*lines[: third + overlap], FAR_FUTURE])
    write(tmp_path / "queue_log", lines[third:])
    log_set = LogSet([str(tmp_path / "queue_log*")])
    assert lines_of(log_set) == [*lines[: third + overlap], FAR_FUTURE, *lines[third + overlap :]]
    if overlap:
        assert len(log_set.notes) == 1
        assert f"{overlap} lines are in both and are counted once" in log_set.notes[0]
        assert "out of time order" not in log_set.notes[0]
    else:
        assert log_set.notes == []


def test_a_file_named_twice_is_read_once_and_a_copy_counts_once(tmp_path, lines):
    original = write(tmp_path / "queue_log", lines)
    copy = write(tmp_path / "copy-of-queue_log", lines)
    assert lines_of(LogSet([str(original), str(tmp_path / "queue_log*")])) == lines
    log_set = LogSet([str(original), str(copy)])
    assert lines_of(log_set) == lines
    assert f"{len(lines):,} lines are in both" in log_set.notes[0]


def test_a_gzip_cut_short_keeps_its_whole_lines_and_says_what_is_missing(tmp_path, lines):
    data = gzip.compress("".join(f"{line}\n" for line in lines).encode())
    cut = tmp_path / "queue_log.1.gz"
    cut.write_bytes(data[: len(data) // 2])
    log_set = LogSet([str(cut)])
    read = lines_of(log_set)
    assert 0 < len(read) < len(lines) and read == lines[: len(read)]
    [note] = log_set.notes
    assert "cut short" in note and f"its first {len(read):,} lines are read" in note


def test_a_corrupt_gzip_is_refused_whole(tmp_path, lines):
    data = bytearray(gzip.compress("".join(f"{line}\n" for line in lines).encode()))
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "queue_log.2.gz"
    bad.write_bytes(bytes(data))
    with pytest.raises(
        WallboardError, match=r"queue_log.2.gz: corrupt gzip data .*gzip -t .*leave it out"
    ):
        lines_of(LogSet([str(bad)]))


def test_bad_inputs_are_named_with_what_to_do(tmp_path, lines):
    with pytest.raises(WallboardError, match="nothing\\*: no file matches"):
        expand([str(tmp_path / "nothing*")])
    with pytest.raises(WallboardError, match="missing: no such file"):
        expand([str(tmp_path / "missing")])
    (tmp_path / "notes.txt").write_text("hello\nworld\n")
    with pytest.raises(WallboardError, match=r"notes\.txt: not a queue_log"):
        LogSet([str(tmp_path / "notes.txt")])
    (tmp_path / "empty").write_bytes(b"")
    write(tmp_path / "queue_log", lines)
    log_set = LogSet([str(tmp_path / "empty"), str(tmp_path / "queue_log")])
    assert log_set.notes == [f"{tmp_path / 'empty'}: empty file, skipped"]


def test_recordings_and_queue_logs_are_not_mixed(tmp_path, lines):
    queue_log = write(tmp_path / "queue_log", lines)
    recording = tmp_path / "shift.wbrec"
    with RecordingWriter(recording, source="queue_log:x", config=EngineConfig()) as writer:
        writer.flush()
    assert LogSet([str(recording)]).kind == "recording"
    with pytest.raises(WallboardError, match="mix queue_log files and recordings"):
        LogSet([str(queue_log), str(recording)])
