"""The model users build: tasks, flows, edges and parameters."""
from flowctl.core.edge import Edge
from flowctl.core.flow import Flow
from flowctl.core.parameter import DateTimeParameter, Parameter
from flowctl.core.task import Task

__all__ = ["Task", "Flow", "Edge", "Parameter", "DateTimeParameter"]
