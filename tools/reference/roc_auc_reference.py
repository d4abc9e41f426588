"""Reference ROC AUC and average precision from scikit-learn on generated
score/label vectors with many ties.

Run: /work/venvs/ft/bin/python tools/reference/roc_auc_reference.py
Writes crates/threatstat-features/tests/fixtures/roc_auc_reference.json:
[{"scores": [...], "labels": [0/1...], "roc_auc": x, "average_precision": y}, ...]
"""

import json
import os

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "threatstat-features", "tests", "fixtures",
                   "roc_auc_reference.json")


def main():
    rng = np.random.default_rng(20261122)
    cases = []
    for k, (n, levels, p_pos) in enumerate([(10, 3, 0.4), (50, 5, 0.2), (200, 11, 0.05), (500, 1000, 0.01),
                                            (37, 2, 0.5), (1000, 21, 0.1), (80, 80, 0.3), (15, 1, 0.3)]):
        y = (rng.random(n) < p_pos).astype(int)
        y[0], y[1] = 1, 0  # both classes
        # Scores on a grid of `levels` values (ties), shifted up for positives.
        s = np.floor((rng.random(n) + 0.3 * y) * levels) / levels
        if k == 3:
            s = rng.random(n) + 0.5 * y  # no ties
        cases.append({"scores": [float(v) for v in s], "labels": [int(v) for v in y],
                      "roc_auc": float(roc_auc_score(y, s)),
                      "average_precision": float(average_precision_score(y, s))})
    with open(OUT, "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f)
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
