"""The options of ``flowctl run``, declared once as ``Annotated`` aliases and grouped in help panels.

``run.py`` reads like its help text: its signature names the options, and
their flags, metavars, panels and help live here. Metavars stay clean
(``NAME=VALUE``, ``FILE``, ``N``); choices are parsed by
``options.choice_parser`` so an unknown one suggests the closest.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from flowctl.cli.completions import complete_flow_target, complete_param_name, complete_run_id
from flowctl.cli.options import choice_completer, choice_parser, positive_int

class OutputMode(str, Enum):
    auto = "auto"
    rich = "rich"
    plain = "plain"
    json = "json"


class ExecutorName(str, Enum):
    local = "local"
    threads = "threads"
    processes = "processes"
    dask = "dask"


class LogLevel(str, Enum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


PARAMETERS, EXECUTION, OUTPUT, RECORDS = "Parameters", "Execution", "Output", "Records"

TargetArg = Annotated[str, typer.Argument(metavar="TARGET", show_default=False,
                                          help="path/to/file.py[:NAME] or package.module[:NAME]",
                                          autocompletion=complete_flow_target)]
ParamArg = Annotated[Optional[List[str]], typer.Option(
        "--param", "-p", metavar="NAME=VALUE", rich_help_panel=PARAMETERS, autocompletion=complete_param_name,
        help="A flow parameter; VALUE is JSON when it parses, else a string. Repeatable.")]
ParamsFileArg = Annotated[Optional[List[Path]], typer.Option(
        "--params-file", metavar="FILE", rich_help_panel=PARAMETERS,
        help="Parameter values from a .toml, .json or .yaml file. Repeatable; later files and -p win.")]
CheckArg = Annotated[bool, typer.Option(
        "--check", metavar="", rich_help_panel=PARAMETERS,
        help="Load the flow, validate the parameters and print the plan; run nothing.")]
ExecutorArg = Annotated[Optional[str], typer.Option(  # an ExecutorName (see choice_parser)
        "--executor", "-e", metavar="NAME", rich_help_panel=EXECUTION,
        parser=choice_parser(ExecutorName, "executor"), autocompletion=choice_completer(ExecutorName),
        help="Where tasks run: local (default), threads, processes or dask.")]
AddressArg = Annotated[Optional[str], typer.Option(
        "--address", metavar="tcp://HOST:PORT", rich_help_panel=EXECUTION,
        help="An existing Dask scheduler (implies --executor dask).")]
WorkersArg = Annotated[Optional[int], typer.Option(
        "--workers", "-w", metavar="N", rich_help_panel=EXECUTION, parser=positive_int("--workers"),
        help="Number of workers for threads, processes or dask.")]
FailFastArg = Annotated[bool, typer.Option(
        "--fail-fast", "-x", metavar="", rich_help_panel=EXECUTION,
        help="After the first task failure start no new task; running ones finish.")]
ContextArg = Annotated[Optional[List[str]], typer.Option(
        "--context", metavar="KEY=VALUE", rich_help_panel=EXECUTION,
        help="A value put into flowctl.context. Repeatable.")]
OutputArg = Annotated[str, typer.Option(  # an OutputMode (see choice_parser)
        "--output", "-o", metavar="MODE", rich_help_panel=OUTPUT,
        parser=choice_parser(OutputMode, "output mode"), autocompletion=choice_completer(OutputMode),
        help="auto (rich on a terminal, plain otherwise), rich, plain, or json (NDJSON events).")
    ]
LogLevelArg = Annotated[Optional[str], typer.Option(  # a LogLevel (see choice_parser)
        "--log-level", metavar="LEVEL", rich_help_panel=OUTPUT, parser=choice_parser(LogLevel, "log level"),
        autocompletion=choice_completer(LogLevel), help="Lowest level of log records shown.")]
VerboseArg = Annotated[bool, typer.Option(
        "--verbose", "-v", metavar="", rich_help_panel=OUTPUT,
        help="Show every task transition, mapped children's routine ones included.")]
QuietArg = Annotated[bool, typer.Option(
        "--quiet", "-q", metavar="", rich_help_panel=OUTPUT, help="Show only failures and the summary.")]
JunitArg = Annotated[Optional[Path], typer.Option(
        "--junit", metavar="FILE", rich_help_panel=OUTPUT,
        help="Write a JUnit XML report: one testcase per task run.")]
VisualizeArg = Annotated[Optional[Path], typer.Option(
        "--visualize", metavar="FILE", rich_help_panel=OUTPUT,
        help="Draw the graph coloured by final states.")]
ReportArg = Annotated[Optional[Path], typer.Option(
        "--report", metavar="FILE.html", rich_help_panel=OUTPUT,
        help="Write a self-contained HTML run report: graph, timeline, failures, parameters, logs.")]
ResumeArg = Annotated[Optional[str], typer.Option(
        "--resume", metavar="[RUN_ID]", rich_help_panel=RECORDS, show_default=False,
        autocompletion=complete_run_id,
        help="Continue a recorded run: reuse its checkpoints, run only the rest. RUN_ID (or a unique "
             "prefix) picks the run; alone, the latest run of this flow that did not succeed.")]
ForceArg = Annotated[bool, typer.Option(
        "--force", metavar="", rich_help_panel=RECORDS,
        help="With --resume: accept parameters that differ from the resumed run's.")]
CheckpointArg = Annotated[bool, typer.Option(
        "--checkpoint/--no-checkpoint", metavar="", rich_help_panel=RECORDS,
        help="Save every successful task run's result in the run record, so --resume can reuse it.")]
StateDirOptionArg = Annotated[Optional[Path], typer.Option(
        "--state-dir", metavar="DIR", rich_help_panel=RECORDS,
        help="Where run records are kept (default: $FLOWCTL_STATE_DIR, else ./.flowctl).")]
