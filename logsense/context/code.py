"""Read the training set-up from pasted Python by interpreting its AST.

Nothing is executed. `Interpreter` walks statements and evaluates a whitelist
of expressions itself: literals, arithmetic on known names, a few numpy
constructors with literal arguments, and the Keras calls that describe a model
(layers, optimizers, regularizers, ``compile``, ``fit``, ``load_data``).
Everything else evaluates to `UNKNOWN`. Work is bounded by a budget counted in
steps, not seconds (a total, and a share per statement), by the size of integers
(bit length: ``10**64**64`` is never computed), by expression depth and by array
caps, so a hostile or huge paste costs little; what a bound skipped is said in
`Interpreter.notes` (the log's warnings).
"""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .keras_calls import REGULARIZER_CALLS, initializer_from, layer_from_call, regularizer_from_call
from .layers import apply_layer, model_keys, propagate_fan_in
from .numpy_eval import arith, numpy_call
from .values import UNKNOWN, Array, LayerSpec, ModelRef, Optimizer, Regularizer, Tensor, dotted, is_num, plain
from .vocab import DEFAULT_LR, dataset_info, initializer_name, loss_name, optimizer_name

MAX_LISTED = 10_000       # x_values longer than this are not copied into the context
MAX_UNROLL = 16           # for-loops over longer ranges are walked once
MAX_STEPS = 150_000       # expression nodes per interpreter (a whole post)
MAX_STATEMENT_STEPS = 20_000  # per top-level statement, so one runaway loop spares the rest
MAX_DEPTH = 60
MAX_INT_BITS = 4096       # integers past this size (a 1,233-digit number) are not computed
MAX_NOTES = 20
MAX_LAYERS = 400          # layers kept per model (deeper stacks are cut, and marked so)


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_SCALERS = {"normalize", "StandardScaler", "MinMaxScaler", "Rescaling", "Normalization", "scale", "minmax_scale"}
_NUMPY_ROOTS = {"np", "numpy"}
_BUILTINS: dict[str, Callable[[Any], Any]] = {"int": int, "float": float, "abs": abs, "round": round}
_ARRAY_METHODS = {"reshape", "astype", "copy", "flatten", "ravel"}
_MERGE_FUNCTIONS = {"concatenate", "add", "multiply", "average", "maximum", "minimum", "subtract", "merge"}


class _OutOfBudget(Exception):
    pass


@dataclass
class Interpreter:
    """Static reader of one post's code, segment after segment.

    ``pinned`` holds variables whose values the prose changed ("change
    l2_lambda to be 0"); assignments to them are ignored so that a replay of the
    same code yields the set-up of the second run.
    """

    pinned: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, Any] = field(default_factory=dict)
    exprs: dict[str, ast.AST] = field(default_factory=dict)
    layers: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False
    custom_layers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    model_deps: set[str] = field(default_factory=set)
    state: dict[str, Any] = field(default_factory=dict)
    steps: int = 0
    #: What a bound made the reader skip, one line each, for the log's warnings.
    notes: list[str] = field(default_factory=list)

    # -- segments -----------------------------------------------------------------

    def run_segment(self, stmts: list[ast.stmt]) -> tuple[dict[str, Any], bool]:
        """Interpret statements; return what they set and whether ``fit`` was called."""
        self._out: dict[str, Any] = {}
        self._fit = False
        self._model_changed = False
        for stmt in stmts:
            self._reads: set[str] = set()
            before = len(self.layers), self._model_changed, "optimizer" in self._out
            self._limit = min(self.steps + MAX_STATEMENT_STEPS, MAX_STEPS)
            try:
                self._exec(stmt, 0)
            except _OutOfBudget:
                if self.steps >= MAX_STEPS:
                    self._note(f"pasted code: the reading budget ({MAX_STEPS:,} steps) ran out; "
                               f"the code after line {_line(stmt)} of a block was not read")
                    break
                self._note(f"pasted code: a statement ({_snippet(stmt)}) took more than "
                           f"{MAX_STATEMENT_STEPS:,} steps and was left unread")
            except (RecursionError, MemoryError, OverflowError, ValueError, TypeError, ZeroDivisionError):
                continue
            if (len(self.layers), self._model_changed, "optimizer" in self._out) != before:
                self.model_deps |= self._reads
        out = self._out
        if self._model_changed and self.layers:
            out.update(model_keys(propagate_fan_in([dict(l) for l in self.layers])))
        self.state.update(out)
        if "variables" in out:
            self.state["variables"] = {**self.state.get("variables", {}), **out["variables"]}
        return out, self._fit

    def _note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < MAX_NOTES:
            self.notes.append(text)

    def numeric_variables(self) -> dict[str, float]:
        return {k: v for k, v in self.scope.items() if is_num(v)}

    # -- statements -----------------------------------------------------------------

    def _exec_body(self, body: list[ast.stmt], depth: int) -> None:
        for stmt in body:
            self._exec(stmt, depth + 1)

    def _exec(self, stmt: ast.stmt, depth: int) -> None:
        if depth > MAX_DEPTH:
            self._note(f"pasted code: statements nested deeper than {MAX_DEPTH} blocks were not read")
            return
        if isinstance(stmt, ast.Expr):
            self._ev(stmt.value)
        elif isinstance(stmt, ast.Assign):
            value = self._ev(stmt.value)
            for target in stmt.targets:
                self._bind(target, value, stmt.value, depth == 0)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self._bind(stmt.target, self._ev(stmt.value), stmt.value, depth == 0)
        elif isinstance(stmt, ast.AugAssign):
            node = ast.BinOp(left=_load(stmt.target), op=stmt.op, right=stmt.value)
            self._bind(stmt.target, self._ev(node), node, depth == 0)
        elif isinstance(stmt, ast.For):
            self._for(stmt, depth)
        elif isinstance(stmt, ast.If):
            cond = self._ev(stmt.test)
            if cond is UNKNOWN or isinstance(cond, (Array, LayerSpec, Optimizer, Regularizer, Tensor, ModelRef)):
                self._exec_body(stmt.body, depth)
            else:
                self._exec_body(stmt.body if cond else stmt.orelse, depth)
        elif isinstance(stmt, (ast.While, ast.With, ast.AsyncWith, ast.FunctionDef, ast.AsyncFunctionDef)):
            self._exec_body(stmt.body, depth)
        elif isinstance(stmt, ast.Try):
            self._exec_body(stmt.body, depth)
            self._exec_body(stmt.finalbody, depth)
        elif isinstance(stmt, ast.ClassDef):
            self._class(stmt)
        elif isinstance(stmt, ast.Return) and stmt.value is not None:
            self._ev(stmt.value)

    def _for(self, stmt: ast.For, depth: int) -> None:
        items = self._ev(stmt.iter)
        if isinstance(items, (list, tuple)) and len(items) <= MAX_UNROLL and isinstance(stmt.target, ast.Name):
            for item in items:
                self.scope[stmt.target.id] = item
                self._exec_body(stmt.body, depth)
            return
        if isinstance(stmt.target, ast.Name):
            self.scope[stmt.target.id] = UNKNOWN
        self._exec_body(stmt.body, depth)

    def _class(self, node: ast.ClassDef) -> None:
        """Remember a custom layer's weights (``self.add_weight(shape=..., initializer=...)``)."""
        weights: list[dict[str, Any]] = []
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and dotted(sub.func).split(".")[-1] in {"add_weight", "add_variable"}:
                w: dict[str, Any] = {}
                for kw in sub.keywords:
                    val = self._ev(kw.value)
                    if kw.arg == "name" and isinstance(val, str):
                        w["name"] = val
                    elif kw.arg == "shape" and plain(val) is not None:
                        w["shape"] = list(plain(val)) if isinstance(val, (list, tuple)) else [val]
                    elif kw.arg == "initializer":
                        init = initializer_from(val, kw.value)
                        if init:
                            w["initializer"] = init
                if sub.args and isinstance(self._ev(sub.args[0]), str) and "name" not in w:
                    w["name"] = self._ev(sub.args[0])
                weights.append(w)
        bases = {dotted(b).split(".")[-1] for b in node.bases}
        if weights or any(b.endswith("Layer") for b in bases):
            self.custom_layers[node.name] = weights

    def _bind(self, target: ast.AST, value: Any, node: ast.AST, top: bool) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            if name in self.pinned:
                value = self.pinned[name]
            self.scope[name] = value
            self.exprs[name] = node
            if top and is_num(value):
                self._out.setdefault("variables", {})[name] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value if isinstance(value, (tuple, list)) and len(value) == len(target.elts) else None
            for i, elt in enumerate(target.elts):
                sub = values[i] if values is not None else UNKNOWN
                self._bind(elt, sub, node, False)

    # -- expressions -----------------------------------------------------------------

    def _ev(self, node: ast.AST, depth: int = 0) -> Any:
        self.steps += 1
        if self.steps > self._limit:
            raise _OutOfBudget
        if depth > MAX_DEPTH:
            self._note(f"pasted code: an expression nested deeper than {MAX_DEPTH} levels was not evaluated")
            return UNKNOWN
        d = depth + 1
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
                self._note(f"pasted code: an integer literal of {value.bit_length():,} bits was not read "
                           f"(limit {MAX_INT_BITS:,})")
                return UNKNOWN
            return value if isinstance(value, (int, float, str, bool, type(None))) else UNKNOWN
        if isinstance(node, ast.Name):
            self._reads.add(node.id)
            if node.id in self.pinned:
                return self.pinned[node.id]
            return self.scope.get(node.id, UNKNOWN)
        if isinstance(node, (ast.Tuple, ast.List)):
            if len(node.elts) > MAX_LISTED:
                return UNKNOWN
            items = [self._ev(e, d) for e in node.elts]
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values):
                key = self._ev(k, d) if k is not None else UNKNOWN
                val = self._ev(v, d)
                if isinstance(key, (str, int)):
                    out[key] = val
            return out
        if isinstance(node, ast.UnaryOp):
            val = self._ev(node.operand, d)
            if isinstance(node.op, ast.USub):
                return arith(operator.neg, val)
            if isinstance(node.op, ast.UAdd):
                return val
            if isinstance(node.op, ast.Not) and isinstance(val, (bool, int, float)):
                return not val
            return UNKNOWN
        if isinstance(node, ast.BinOp):
            return self._binop(node, d)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = self._ev(node.left, d), self._ev(node.comparators[0], d)
            op = _COMPARE.get(type(node.ops[0]))
            if op and is_num(left) and is_num(right):
                return op(left, right)
            return UNKNOWN
        if isinstance(node, ast.Subscript):
            return self._subscript(node, d)
        if isinstance(node, ast.Call):
            return self._call(node, d)
        if isinstance(node, ast.Attribute):
            base = self._ev(node.value, d)
            if isinstance(base, Array) and node.attr == "shape" and base.shape is not None:
                return tuple(base.shape)
            return UNKNOWN
        return UNKNOWN

    def _binop(self, node: ast.BinOp, d: int) -> Any:
        left, right = self._ev(node.left, d), self._ev(node.right, d)
        if isinstance(node.op, ast.Div) and _looks_like_scale(right, node.right):
            self._out["inputs_scaled"] = True
        fn = _BINOPS.get(type(node.op))
        if fn is None:
            return UNKNOWN
        if is_num(left) and is_num(right):
            bits = _result_bits(node.op, left, right)
            if bits > MAX_INT_BITS:
                self._note(f"pasted code: {_snippet(node)} was not computed (its result would have about "
                           f"{_approx(bits)} bits; limit {MAX_INT_BITS:,})")
                return UNKNOWN
        if isinstance(node.op, ast.Pow) and is_num(right) and abs(right) > 64 and not (is_num(left) and abs(left) <= 1):
            self._note(f"pasted code: {_snippet(node)} was not computed (an exponent above 64)")
            return UNKNOWN
        if isinstance(left, str) and isinstance(right, str) and isinstance(node.op, ast.Add):
            return (left + right)[:1000]
        return arith(fn, left, right)

    def _subscript(self, node: ast.Subscript, d: int) -> Any:
        base, index = self._ev(node.value, d), self._ev(node.slice, d)
        if isinstance(base, dict) and isinstance(index, (str, int)):
            return base.get(index, UNKNOWN)
        if isinstance(base, (list, tuple)) and isinstance(index, int) and -len(base) <= index < len(base):
            return base[index]
        return UNKNOWN

    def _call(self, node: ast.Call, d: int) -> Any:
        args = [self._ev(a, d) for a in node.args if not isinstance(a, ast.Starred)]
        kwargs = {kw.arg: self._ev(kw.value, d) for kw in node.keywords if kw.arg}
        knodes = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        func = node.func

        if isinstance(func, ast.Call) or (isinstance(func, ast.Name) and isinstance(self.scope.get(func.id), LayerSpec)):
            spec = self._ev(func, d) if isinstance(func, ast.Call) else self.scope[func.id]
            if isinstance(spec, LayerSpec):  # functional API: Dense(8)(x)
                return self._apply(spec, args[0] if args else UNKNOWN)
            if isinstance(spec, ModelRef):
                return Tensor()
            return UNKNOWN

        path = dotted(func)
        name = path.split(".")[-1]
        root = path.split(".")[0]
        if isinstance(func, ast.Attribute) and name in _ARRAY_METHODS:
            receiver = self._ev(func.value, d)
            if isinstance(receiver, Array):
                return _array_method(receiver, name, args)
        if isinstance(func, ast.Attribute):
            receiver_known = root in _NUMPY_ROOTS
            if not receiver_known:
                handled = self._method(name, path, args, kwargs, knodes, node)
                if handled is not None:
                    return handled
        if name in _SCALERS:
            self._out["inputs_scaled"] = True
        if root in _NUMPY_ROOTS:
            return numpy_call(path, args, kwargs)
        if name in _MERGE_FUNCTIONS and args:
            return _merge(name, self._tensor(args[0]))
        if name in {"range"} and all(is_num(a) for a in args) and 0 < len(args) <= 3:
            ints = [int(a) for a in args]
            r = range(*ints)
            return list(r) if len(r) <= MAX_UNROLL * 64 else UNKNOWN
        if name in _BUILTINS and len(args) == 1 and is_num(args[0]):
            return _BUILTINS[name](args[0])
        if name == "len" and len(args) == 1:
            a = args[0]
            if isinstance(a, (list, tuple)):
                return len(a)
            if isinstance(a, Array) and a.shape:
                return a.shape[0]
            return UNKNOWN
        opt = optimizer_name(name) if name[:1].isupper() or "optimizers" in path else None
        if opt:
            return self._optimizer(opt, args, kwargs)
        if name in REGULARIZER_CALLS:
            return regularizer_from_call(name, args, kwargs)
        if name in {"Sequential", "Graph"}:
            self.layers, self.closed, self._model_changed = [], False, True
            if args and isinstance(args[0], list):
                for item in args[0]:
                    if isinstance(item, LayerSpec):
                        self._add_layer(item)
            return ModelRef(name)
        if name in {"Model", "Functional"}:
            self.closed = True
            return ModelRef(name)
        init = initializer_name(name) if ("initializers" in path or name[:1].isupper()) else None
        if init and name not in self.custom_layers:
            return init
        if name[:1].isupper() or name in self.custom_layers:
            return LayerSpec(layer_from_call(name, args, kwargs, knodes, self.custom_layers))
        return UNKNOWN

    def _method(self, name: str, path: str, args: list[Any], kwargs: dict[str, Any],
                knodes: Mapping[str, ast.expr], node: ast.Call) -> Any:
        """Model methods and dataset loaders; None when ``name`` is none of them."""
        if name == "add" and args and isinstance(args[0], LayerSpec):
            self._add_layer(args[0])
            return UNKNOWN
        if name == "add_node" and args and isinstance(args[0], LayerSpec):
            spec = args[0]
            if isinstance(kwargs.get("name"), str):
                spec.info["name"] = kwargs["name"]
            inputs = kwargs.get("inputs")
            if isinstance(inputs, list) and all(isinstance(i, str) for i in inputs):
                spec.info["inputs"] = inputs
            self._add_layer(spec)
            return UNKNOWN
        if name == "compile":
            self._compile(args, kwargs, knodes, node)
            return UNKNOWN
        if name in {"fit", "fit_generator"}:
            self._fit_call(args, kwargs, knodes, node)
            return UNKNOWN
        if name == "load_data":
            info = dataset_info(path.split(".")[-2]) if "." in path else None
            if info:
                self._out["dataset"] = info
                shape = tuple(info["input_shape"])
                train = (Array((info["n_train"], *shape), dataset=info["name"]), Array((info["n_train"],)))
                test = (Array((info["n_test"], *shape), dataset=info["name"]), Array((info["n_test"],)))
                return (train, test)
        return None

    # -- Keras objects -----------------------------------------------------------------

    def _tensor(self, value: Any) -> Any:
        """A functional-API input as a Tensor (an unused ``Input`` joins the model here)."""
        if isinstance(value, LayerSpec):
            if not value.added:
                self._add_layer(value)
            return Tensor(value.info.get("shape"))
        if isinstance(value, (list, tuple)):
            return [self._tensor(v) for v in value]
        return value if isinstance(value, Tensor) else Tensor()

    def _apply(self, spec: LayerSpec, arg: Any) -> Tensor:
        """``layer(x)``: wire the layer to its input's shape and add it to the model."""
        inputs = self._tensor(arg)
        if isinstance(inputs, list):
            inputs = _merge("concatenate" if "concat" in spec.info["type"].lower() else "add", inputs)
        spec.info["_wired"] = True
        out = apply_layer(spec.info, inputs.shape)
        self._add_layer(spec)
        return Tensor(out)

    def _add_layer(self, spec: LayerSpec) -> None:
        if self.closed:
            self.layers, self.closed = [], False
        spec.added = True
        if len(self.layers) >= MAX_LAYERS:
            self._out["layers_truncated"] = True
            return
        self.layers.append(dict(spec.info))
        self._model_changed = True

    def _optimizer(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Optimizer:
        params: dict[str, Any] = {}
        lr = kwargs.get("learning_rate", kwargs.get("lr", args[0] if args else None))
        if is_num(lr):
            params["lr"] = float(lr)
        for key in ("momentum", "clipnorm", "clipvalue", "decay", "epsilon", "rho", "beta_1", "beta_2"):
            if is_num(kwargs.get(key)):
                params[key] = kwargs[key]
        if isinstance(kwargs.get("nesterov"), bool):
            params["nesterov"] = kwargs["nesterov"]
        opt = Optimizer(name, params)
        self._use_optimizer(opt)
        return opt

    def _use_optimizer(self, opt: Optimizer, lr_source: str = "code") -> None:
        self._out["optimizer"] = opt.name
        for key in ("lr", "lr_source", "momentum", "clipnorm", "clipvalue"):
            self._out.pop(key, None)
        if "lr" in opt.params:
            self._out["lr"] = opt.params["lr"]
            self._out["lr_source"] = lr_source
        for key in ("momentum", "clipnorm", "clipvalue"):
            if key in opt.params:
                self._out[key] = opt.params[key]

    def _compile(self, args: list[Any], kwargs: dict[str, Any], knodes: Mapping[str, ast.expr], node: ast.Call) -> None:
        opt = kwargs.get("optimizer", args[0] if args else None)
        name = optimizer_name(opt) if isinstance(opt, str) else None
        if name:
            # a name means Keras's default learning rate, whatever optimizer object came before
            params = {"lr": DEFAULT_LR[name]} if name in DEFAULT_LR else {}
            self._use_optimizer(Optimizer(name, params), lr_source="default")
        elif isinstance(opt, Optimizer):
            self._use_optimizer(opt)
        loss_node = knodes.get("loss", node.args[1] if len(node.args) > 1 else None)
        loss = kwargs.get("loss", args[1] if len(args) > 1 else None)
        if isinstance(loss, dict) and loss:
            loss = next(iter(loss.values()))
        canonical = None
        if isinstance(loss, str):
            canonical = loss_name(loss)
        elif loss_node is not None:
            ref = loss_node.func if isinstance(loss_node, ast.Call) else loss_node
            canonical = loss_name(dotted(ref).split(".")[-1]) if dotted(ref) else None
        if canonical:
            self._out["loss"] = canonical
        if isinstance(loss_node, ast.Call):
            smoothing = next((k.value for k in loss_node.keywords if k.arg == "label_smoothing"), None)
            if isinstance(smoothing, ast.Constant) and is_num(smoothing.value) and smoothing.value:
                self._out["label_smoothing"] = float(smoothing.value)
        metrics = kwargs.get("metrics")
        if isinstance(metrics, (list, tuple)):
            names = [m for m in metrics if isinstance(m, str)]
            if names:
                self._out["metrics"] = names

    def _fit_call(self, args: list[Any], kwargs: dict[str, Any], knodes: Mapping[str, ast.expr], node: ast.Call) -> None:
        self._fit = True
        epochs = kwargs.get("epochs", kwargs.get("nb_epoch", args[3] if len(args) > 3 else None))
        batch = kwargs.get("batch_size", args[2] if len(args) > 2 else None)
        if isinstance(epochs, int) and not isinstance(epochs, bool):
            self._out["epochs"] = epochs
        if isinstance(batch, int) and not isinstance(batch, bool):
            self._out["batch_size"] = batch
            self._out["batch_size_source"] = "code"
        if is_num(kwargs.get("validation_split")):
            self._out["validation_split"] = kwargs["validation_split"]
        callbacks = kwargs.get("callbacks")
        if isinstance(callbacks, (list, tuple)):
            names = [c.info["type"] for c in callbacks if isinstance(c, LayerSpec)]
            if names:
                self._out["callbacks"] = names
        if "validation_data" in kwargs:
            self._out["validation_data"] = kwargs["validation_data"] is not None
        # Per-class or per-sample weights scale the printed loss and not the accuracy.
        for key in ("class_weight", "sample_weight"):
            weight = knodes.get(key)
            if weight is not None and not (isinstance(weight, ast.Constant) and weight.value is None):
                self._out["weighted_loss"] = key
        x_node = knodes.get("x", knodes.get("data", node.args[0] if node.args else None))
        y_node = knodes.get("y", node.args[1] if len(node.args) > 1 else None)
        x = kwargs.get("x", kwargs.get("data", args[0] if args else UNKNOWN))
        y = kwargs.get("y", args[1] if len(args) > 1 else UNKNOWN)
        data = self._describe_data(x, x_node, y, y_node)
        if data:
            self._out["data"] = data

    def _describe_data(self, x: Any, x_node: ast.AST | None, y: Any, y_node: ast.AST | None) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, val, nd in (("x", x, x_node), ("y", y, y_node)):
            if nd is None:
                continue
            source = self.exprs.get(nd.id, nd) if isinstance(nd, ast.Name) else nd
            data[f"{key}_expr"] = _source(source)
            if isinstance(val, Array) and val.values is not None and val.values.size <= MAX_LISTED:
                data[f"{key}_values"] = [float(v) for v in val.values.ravel()]
        if isinstance(x, dict):
            x = next((v for v in x.values() if isinstance(v, Array)), UNKNOWN)
        if isinstance(x, Array) and x.shape:
            data["n_samples"] = int(x.shape[0])
        if isinstance(x, Array) and isinstance(y, Array) and x.values is not None and y.values is not None \
                and x.values.shape == y.values.shape and np.any(x.values != 0):
            nz = x.values != 0
            ratios = y.values[nz] / x.values[nz]
            if np.allclose(ratios, ratios[0]) and np.allclose(y.values[~nz], 0):
                data["y_scale"] = float(ratios[0])
        return data

def _result_bits(op: ast.operator, left: float, right: float) -> float:
    """About how many bits an integer result of ``left op right`` needs (0 for a float result),
    judged before computing it: a tower of powers is refused at its first storey too tall."""
    if not (isinstance(left, int) and isinstance(right, int)):
        return 0.0
    if isinstance(op, ast.Pow):
        if right <= 0 or abs(left) <= 1:
            return 0.0
        return float(left.bit_length()) * right
    if isinstance(op, ast.Mult):
        return float(left.bit_length() + right.bit_length())
    return 0.0


def _approx(bits: float) -> str:
    return f"{bits:,.0f}" if bits < 1e15 else f"{bits:.1e}"


def _snippet(node: ast.AST) -> str:
    """The source of ``node`` on one line, cut to 60 characters, for a note."""
    text = " ".join(_source(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _line(node: ast.AST) -> int:
    return getattr(node, "lineno", 0)


def _array_method(array: Array, name: str, args: list[Any]) -> Array:
    """``x.reshape(60000, 784)``, ``x.astype('float32')``: same data, maybe a new shape."""
    if name == "astype" or name == "copy":
        return array
    shape: tuple[int, ...] | None
    if name in {"flatten", "ravel"}:
        shape = (int(np.prod(array.shape)),) if array.shape else None
    else:
        dims = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        shape = tuple(dims) if dims and all(isinstance(v, int) and not isinstance(v, bool) for v in dims) else None
        if shape and array.shape and -1 in shape and shape.count(-1) == 1:
            known = int(np.prod([v for v in shape if v != -1]))
            total = int(np.prod(array.shape))
            shape = tuple(total // known if v == -1 else v for v in shape) if known and total % known == 0 else None
    if shape is None:
        return Array(None)
    values = None
    if array.values is not None and array.values.size == int(np.prod(shape)):
        values = array.values.reshape(shape)
    return Array(shape, values, array.dataset)


def _merge(name: str, tensors: Any) -> Tensor:
    """Shape after merging functional-API branches: concatenation adds widths."""
    if not isinstance(tensors, list) or not all(isinstance(t, Tensor) for t in tensors):
        return Tensor()
    shapes = [t.shape for t in tensors]
    if not shapes or any(not s or not isinstance(s[-1], int) for s in shapes):
        return Tensor()
    if name.startswith("concat"):
        return Tensor([*shapes[0][:-1], sum(s[-1] for s in shapes)])  # type: ignore[index]
    return Tensor(shapes[0])


def _source(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:200]
    except (ValueError, RecursionError, AttributeError):
        return "?"


def _load(target: ast.Name | ast.Attribute | ast.Subscript) -> ast.expr:
    """The expression that reads what an augmented assignment writes."""
    if isinstance(target, ast.Name):
        return ast.Name(id=target.id, ctx=ast.Load())
    return target


def _looks_like_scale(value: Any, node: ast.AST) -> bool:
    """A division that normalises inputs: by 255 (pixels) or by a standard deviation."""
    if is_num(value) and value in (255, 255.0, 127.5, 256):
        return True
    text = dotted(node.func) if isinstance(node, ast.Call) else dotted(node)
    return "std" in text.lower() if text else False


