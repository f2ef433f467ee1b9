"""The small, safe expression language of hook conditions and claim values (SPEC J1, J2)."""

from .evaluation import evaluate, holds
from .syntax import MAX_DEPTH, MAX_LENGTH, MAX_NODES, Expression, ExpressionError, parse

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "Expression", "ExpressionError", "evaluate", "holds", "parse"]
