"""msticpy's ``anomalous_sequence`` as a drop-in: ``sessionize_data``,
``score_sessions`` and a fitted Markov :class:`Model`, computed in the Rust
crate ``threatstat-markov`` (msticpy 3.0.2 parity: likelihoods to 1e-15
relative, mostly bit for bit).

Sessions come in msticpy's three formats (the type is read from the first
event, as msticpy does):

1. ``['Set-User', 'Set-Mailbox']`` -- commands only;
2. ``[Cmd('Set-User', {'Identity', 'Force'}), ...]`` -- parameter names;
3. ``[Cmd('Set-User', {'Identity': 'bob', 'Force': 'true'}), ...]`` -- values.

``Cmd`` may be msticpy's own (``msticpy.analysis.anomalous_sequence.utils.
data_structures.Cmd``) or :class:`threatstat.markov.Cmd`: any object with
``name`` and ``params`` attributes.

Beyond msticpy: a model fitted once scores any sessions (unknown commands fall
back to ``##UNK##``), saves and loads (the CLI's model file), gives
log-likelihoods that do not underflow, and explains a session's rarest window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _threatstat as _ext

__all__ = ["Cmd", "Model", "sessionize_data", "score_sessions"]


@dataclass(frozen=True)
class Cmd:
    """A command and its parameters: a set of names or a dict name -> value
    (msticpy's ``Cmd``)."""

    name: str
    params: Union[set, dict]


def _session_type(sessions: Sequence[Sequence[Any]]) -> str:
    for s in sessions:
        for ev in s:
            if isinstance(ev, str):
                return "cmds_only"
            params = getattr(ev, "params", None)
            if isinstance(params, dict):
                return "cmds_params_values"
            return "cmds_params_only"
    raise ValueError("no events: every session is empty")


def _events(sessions: Sequence[Sequence[Any]]) -> List[List[tuple]]:
    out = []
    for i, s in enumerate(sessions):
        evs = []
        for ev in s:
            if isinstance(ev, str):
                evs.append((ev, []))
                continue
            try:
                name, params = ev.name, ev.params
            except AttributeError:
                raise ValueError(
                    f"session {i}: an event must be a str or have .name and .params, "
                    f"got {type(ev).__name__}"
                ) from None
            if isinstance(params, dict):
                ps = [(str(k), None if v is None else str(v)) for k, v in params.items()]
            else:
                ps = [(str(k), None) for k in sorted(params)]
            evs.append((str(name), ps))
        out.append(evs)
    return out


class Model:
    """A first-order Markov model of sessions; mirrors msticpy's
    ``anomalous_sequence.model.Model`` (``Model(sessions).train()``,
    ``compute_likelihoods_of_sessions``, ``compute_geomean_lik_of_sessions``,
    ``compute_rarest_windows`` and the attributes they fill).

    ``session_type`` ('cmds_only', 'cmds_params_only', 'cmds_params_values')
    is read from the first event unless given; ``modellable_params``
    overrides msticpy's rule for which parameters' values are modelled.
    """

    def __init__(self, sessions: Optional[Sequence[Sequence[Any]]] = None,
                 modellable_params: Optional[set] = None,
                 session_type: Optional[str] = None):
        self.sessions = sessions
        self.session_type = session_type
        self.modellable_params = modellable_params
        self._fit = None
        self._events = None
        self.session_likelihoods = None
        self.session_geomean_likelihoods = None
        self.rare_windows: Dict[int, list] = {}
        self.rare_window_likelihoods: Dict[int, list] = {}
        self.rare_windows_geo: Dict[int, list] = {}
        self.rare_window_likelihoods_geo: Dict[int, list] = {}

    @classmethod
    def fit(cls, sessions, session_type: Optional[str] = None,
            modellable_params: Optional[set] = None) -> "Model":
        """``Model(sessions).train()`` in one call."""
        m = cls(sessions, modellable_params=modellable_params, session_type=session_type)
        m.train()
        return m

    def train(self) -> None:
        """Fits the model to ``self.sessions`` (msticpy's ``train``)."""
        if self.sessions is None:
            raise ValueError("no sessions to train on")
        if self.session_type is None:
            self.session_type = _session_type(self.sessions)
        self._events = _events(self.sessions)
        mp = None if self.modellable_params is None else sorted(self.modellable_params)
        self._fit = _ext.MarkovFit(self._events, self.session_type, mp)

    def _require(self):
        if self._fit is None:
            raise ValueError("the model is not trained: call train() (or Model.fit)")
        return self._fit

    def _ev(self, sessions):
        return self._events if sessions is None else _events(sessions)

    # --- msticpy's methods (on the training sessions) -------------------
    def compute_likelihoods_of_sessions(self, use_start_end_tokens: bool = True) -> None:
        """Fills ``session_likelihoods`` (msticpy's method of that name)."""
        self.session_likelihoods = self.likelihoods(use_start_end_tokens=use_start_end_tokens).tolist()
        self._tokens = use_start_end_tokens

    def compute_geomean_lik_of_sessions(self) -> None:
        """Fills ``session_geomean_likelihoods``: likelihood ** (1/len)."""
        if self.session_likelihoods is None:
            self.compute_likelihoods_of_sessions()
        self.session_geomean_likelihoods = self._require().geomean_likelihoods(
            self._events, getattr(self, "_tokens", True)).tolist()

    def compute_rarest_windows(self, window_len: int, use_start_end_tokens: bool = True,
                               use_geo_mean: bool = False) -> None:
        """Fills ``rare_windows[window_len]`` and
        ``rare_window_likelihoods[window_len]`` (``*_geo`` with
        ``use_geo_mean``), as msticpy."""
        lik, windows = self._rarest(None, self.sessions, window_len, use_start_end_tokens,
                                    use_geo_mean)
        if use_geo_mean:
            self.rare_windows_geo[window_len] = windows
            self.rare_window_likelihoods_geo[window_len] = lik.tolist()
        else:
            self.rare_windows[window_len] = windows
            self.rare_window_likelihoods[window_len] = lik.tolist()

    # --- beyond msticpy: any sessions -----------------------------------
    def _rarest(self, events, sessions, window, tokens, geo, log=False):
        ev = self._ev(None) if events is None else events
        lik, start, length, _ = self._require().rarest_windows(
            ev, int(window), bool(tokens), bool(geo), False, bool(log))
        windows = [
            list(s[a:a + n]) if a >= 0 else [] for s, a, n in zip(sessions, start, length)
        ]
        return lik, windows

    def likelihoods(self, sessions=None, use_start_end_tokens: bool = True,
                    log: bool = False) -> np.ndarray:
        """Likelihood (or log-likelihood) of each session (default: the
        training sessions); unknown commands use ``##UNK##``."""
        return self._require().session_likelihoods(self._ev(sessions), bool(use_start_end_tokens),
                                                    bool(log))

    def rarest_windows(self, sessions, window_len: int, use_start_end_tokens: bool = True,
                       use_geo_mean: bool = False, log: bool = False):
        """``(likelihoods, windows)`` of the rarest window of each of
        ``sessions`` (NaN and ``[]`` for sessions without a full window)."""
        return self._rarest(_events(sessions), sessions, window_len, use_start_end_tokens,
                            use_geo_mean, log)

    def explain(self, session, window_len: int, use_start_end_tokens: bool = True,
                use_geo_mean: bool = False) -> dict:
        """Why ``session`` scored as it did: its rarest window's likelihood,
        ``start``, ``length`` and ``steps`` (each transition probability and
        parameter factor), and the index of the least likely step."""
        return self._require().explain(_events([session]), 0, int(window_len),
                                       bool(use_start_end_tokens), bool(use_geo_mean))

    def prior_prob(self, cmd: str) -> float:
        """P(cmd), Laplace-smoothed (msticpy ``prior_probs``)."""
        return self._require().prior_prob(cmd)

    def transition_prob(self, prev: str, cmd: str) -> float:
        """P(cmd | prev) (msticpy ``trans_probs``)."""
        return self._require().transition_prob(prev, cmd)

    def value_prob(self, param: str, value: str) -> float:
        """P(value | param) (msticpy ``value_cond_param_probs``)."""
        return self._require().value_prob(param, value)

    def save(self, path) -> None:
        """Saves the fitted model (the CLI's ``markov`` model file, versioned JSON)."""
        self._require().save(str(path))

    @classmethod
    def load(cls, path) -> "Model":
        """Loads a model file written by :meth:`save` or the CLI."""
        m = cls()
        m._fit = _ext.MarkovFit.load(str(path))
        m.session_type = m._fit.session_type
        return m

    def to_json(self) -> str:
        """The model file's JSON text."""
        return self._require().to_json()


def score_sessions(data, session_column: str, window_length: int):
    """msticpy's ``anomalous_sequence.anomalous.score_sessions``: fits a Markov
    model to ``data[session_column]`` and returns a copy of ``data`` with
    ``rarest_window{window_length}_likelihood`` and
    ``rarest_window{window_length}`` (the rarest window's events, as the
    caller's objects) added. Sliding windows with start and end tokens, no
    geometric mean; sessions shorter than ``window_length - 1`` get NaN and
    ``[]``."""
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise TypeError("`data` should be a pandas dataframe")
    if session_column not in data.columns:
        raise ValueError(f'"{session_column}" should be a column in the `data`')
    sessions_df = data.copy()
    sessions = sessions_df[session_column].values.tolist()
    model = Model(sessions=sessions)
    model.train()
    model.compute_rarest_windows(window_len=window_length, use_geo_mean=False,
                                 use_start_end_tokens=True)
    sessions_df[f"rarest_window{window_length}_likelihood"] = model.rare_window_likelihoods[
        window_length]
    sessions_df[f"rarest_window{window_length}"] = model.rare_windows[window_length]
    return sessions_df


def _times_ns(col):
    import pandas as pd

    t = col
    if not isinstance(t.dtype, pd.DatetimeTZDtype):
        t = pd.to_datetime(t)
    if t.isna().any():
        raise ValueError(f"time column has {int(t.isna().sum())} missing value(s)")
    return t, np.ascontiguousarray(t.dt.as_unit("ns").array.asi8, dtype=np.int64)


def sessionize_data(data, user_identifier_cols: List[str], time_col: str,
                    max_session_time_mins: float, max_event_separation_mins: float,
                    event_col: str):
    """msticpy's ``anomalous_sequence.sessionize.sessionize_data``: one row per
    session with the ``user_identifier_cols``, ``{time_col}_min``,
    ``{time_col}_max``, ``{event_col}_list``, ``duration`` and
    ``number_events``, in msticpy's order. A new session starts when a user
    column changes, the gap to the previous event exceeds
    ``max_event_separation_mins`` or the session would exceed
    ``max_session_time_mins``. User values are compared as strings (a missing
    value as msticpy's ``"dummy_str"``)."""
    import pandas as pd

    missing = [c for c in [*user_identifier_cols, time_col, event_col] if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in `data`: {missing}")
    times, ns = _times_ns(data[time_col])
    users = [[None if pd.isna(v) else str(v) for v in data[c].tolist()]
             for c in user_identifier_cols]
    rows, offsets = _ext.sessionize(users, ns, float(max_session_time_mins),
                                    float(max_event_separation_mins))
    rows = rows.astype(np.int64)
    first = rows[offsets[:-1].astype(np.int64)]
    last = rows[offsets[1:].astype(np.int64) - 1]
    out = {}
    for c in user_identifier_cols:
        v = data[c].iloc[first].reset_index(drop=True)
        out[c] = v.where(~v.isin(["dummy_str"]), np.nan)
    tmin = times.iloc[first].reset_index(drop=True)
    tmax = times.iloc[last].reset_index(drop=True)
    out[f"{time_col}_min"] = tmin
    out[f"{time_col}_max"] = tmax
    events = data[event_col].to_numpy(dtype=object)
    out[f"{event_col}_list"] = [events[rows[a:b]].tolist()
                                for a, b in zip(offsets[:-1], offsets[1:])]
    df = pd.DataFrame(out)
    df["duration"] = tmax - tmin
    df["number_events"] = np.diff(offsets).astype(np.int64)
    return df
