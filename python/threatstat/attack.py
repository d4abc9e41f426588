"""MITRE ATT&CK tactic chains learned from Attack Flow incidents, and alert
correlation with them: ``threatstat attack train / score / next / correlate``
(Rust crate ``threatstat-attack``) in-process, DataFrames in and out.

The numbers are the CLI's: the same library calls, the same serialisation
(JSON for score/next, the ranking CSV for correlate)."""

from __future__ import annotations

import io
import json
import os
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _threatstat as _ext

__all__ = ["Model", "train", "load"]


def _labels(seq: Union[str, Sequence[str]]) -> List[str]:
    if isinstance(seq, str):
        return [s.strip() for s in seq.split(",") if s.strip()]
    return [str(s) for s in seq]


class Model:
    """A fitted tactic-chain model (mirrors ``threatstat attack train``'s
    model file, Rust ``TacticChainModel``). ``issues`` lists the problems
    found in the flows (foreign ids, cycles, ...) when trained here;
    ``optimum`` the leave-one-flow-out search when ``alpha='opt'``."""

    def __init__(self, inner, issues=None, optimum=None):
        self._inner = inner
        self.issues: List[Dict[str, Any]] = issues or []
        self.optimum: Optional[Dict[str, Any]] = optimum

    @property
    def order(self) -> int:
        """Markov order (1 or 2)."""
        return self._inner.order

    @property
    def alpha(self) -> float:
        """Dirichlet smoothing strength."""
        return self._inner.alpha

    @property
    def collapse_repeats(self) -> bool:
        """Whether consecutive repeats of a tactic are merged."""
        return self._inner.collapse_repeats

    def score(self, sequence: Union[str, Sequence[str]], open: bool = False) -> Dict[str, Any]:
        """Probability, log-likelihood and per-step probabilities of a tactic
        sequence (ids like TA0001, short names, names or technique ids):
        ``threatstat attack score --sequence ... [--open]``. A dict with
        ``sequence``, ``probability``, ``log_likelihood``, ``steps``, ``order``,
        ``alpha``, ``ending`` (the CLI's JSON)."""
        s = json.loads(self._inner.score(_labels(sequence), bool(open)))
        s.update(order=self.order, alpha=self.alpha, ending="open" if open else "complete")
        return s

    def next(self, after: Union[str, Sequence[str]] = (), top: Optional[int] = None):
        """The most likely next tactics after ``after`` (empty: the first tactic
        of a chain), most probable first: ``threatstat attack next --after ...
        [--top N]``, as a DataFrame (one row per tactic)."""
        import pandas as pd

        rows = json.loads(self._inner.next(_labels(after)))
        if top is not None:
            if int(top) < 1:
                raise ValueError(f"top = {top}: expected an integer >= 1")
            rows = rows[: int(top)]
        return pd.DataFrame(rows)

    def correlate(self, alerts, benign=None, open: bool = False, entity_col: str = "entity",
                  time_col: str = "time", label_col: str = "technique_or_tactic",
                  skip_bad_rows: bool = False):
        """Entities ranked by how attack-like their alert chains are:
        ``threatstat attack correlate --alerts ... [--benign ...]``. ``alerts``
        and ``benign`` are DataFrames (or CSV paths) with the entity, time
        (ISO-8601 or seconds) and technique-or-tactic columns; the baseline is
        fitted on the benign chains, else uniform. Returns the ranking
        DataFrame: ``entity``, ``n_alerts``, ``chain``, ``log_probability``,
        ``log_likelihood_ratio``, ``rank``."""
        import pandas as pd

        with tempfile.TemporaryDirectory(prefix="threatstat-") as d:
            def path(x, name):
                if x is None or isinstance(x, (str, os.PathLike)):
                    return x
                p = os.path.join(d, name)
                x.to_csv(p, index=False)
                return p

            text = self._inner.correlate(path(alerts, "alerts.csv"), path(benign, "benign.csv"),
                                         bool(open), entity_col, time_col, label_col,
                                         bool(skip_bad_rows))
        return pd.read_csv(io.StringIO(text), dtype={"entity": str, "chain": str})

    def to_json(self) -> str:
        """The model file's text (as ``attack train --out`` writes)."""
        return self._inner.to_json()

    @classmethod
    def from_json(cls, text: str) -> "Model":
        """A model from a model file's text."""
        return cls(_ext.AttackModel.from_json(text))

    def save(self, path) -> None:
        """Writes the model file (read by ``threatstat attack score --model``)."""
        self._inner.save(os.fspath(path))

    @classmethod
    def load(cls, path) -> "Model":
        """Reads a model file written by ``threatstat attack train``."""
        return cls(_ext.AttackModel.load(os.fspath(path)))


def train(flows, order: int = 2, alpha: Union[float, str] = 16.0, collapse_repeats: bool = True,
          min_smoothing: float = 1e-4, max_smoothing: float = 1e6) -> Model:
    """Trains a tactic-chain model on an Attack Flow corpus (JSON Lines path,
    e.g. ``data/attack-flow/flows.jsonl``): ``threatstat attack train --input
    ... --order ... --smoothing ...`` (``collapse_repeats=False`` is
    ``--keep-repeats``). ``alpha='opt'`` fits the smoothing maximising the
    leave-one-flow-out log-likelihood over ``min_smoothing..max_smoothing``
    (``--smoothing opt``, Rust ``ChainParams::fit_optimised``); the search is
    then in ``model.optimum``."""
    if isinstance(alpha, str):
        if alpha.strip() != "opt":
            raise ValueError(f"alpha = {alpha!r}: expected a number > 0 or 'opt'")
        a = None
    else:
        a = float(alpha)
    inner, issues, opt = _ext.attack_train(os.fspath(flows), int(order), a,
                                           bool(collapse_repeats), float(min_smoothing),
                                           float(max_smoothing))
    return Model(inner, json.loads(issues), None if opt is None else json.loads(opt))


def load(path) -> Model:
    """Reads a model file written by ``threatstat attack train`` (``Model.load``)."""
    return Model.load(path)
