"""Control flow as graph nodes: loops whose bodies are closed subgraphs (``scan``, ``fori_loop``, ``while_loop``)."""

from .api import fori_loop, scan, while_loop
from .body import Body, LoopArg
from .scan import Scan
from .tuples import TupleGet, tuple_get
from .while_loop import WhileLoop

__all__ = ["scan", "fori_loop", "while_loop"]
_internal = (Body, LoopArg, Scan, TupleGet, WhileLoop, tuple_get)
