"""Train the iris classifier at image build time.

The iris data set ships inside scikit-learn (sklearn/datasets/data/iris.csv),
so nothing is downloaded. Training is deterministic (fixed split and
random_state), and the script exits 1 if held-out accuracy is below the
threshold, which fails the image build.

Usage: python3 train.py [--output /app/model.pkl] [--min-accuracy 0.9]
"""

import argparse
import os
import pickle
import sys

import numpy
import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="/app/model.pkl", help="where to write the model")
    parser.add_argument("--min-accuracy", type=float, default=0.9,
                        help="fail (exit 1) when test accuracy is below this")
    args = parser.parse_args(argv)

    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=0.25, random_state=SEED, stratify=iris.target)

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=SEED))
    model.fit(x_train, y_train)

    train_accuracy = float(accuracy_score(y_train, model.predict(x_train)))
    accuracy = float(accuracy_score(y_test, model.predict(x_test)))
    print(f"train accuracy: {train_accuracy:.4f} ({len(y_train)} samples)")
    print(f"test accuracy:  {accuracy:.4f} ({len(y_test)} samples)")

    if accuracy < args.min_accuracy:
        print(f"error: test accuracy {accuracy:.4f} is below {args.min_accuracy}", file=sys.stderr)
        return 1

    artifact = {
        "model": model,
        "class_names": [str(name) for name in iris.target_names],
        "feature_names": [str(name) for name in iris.feature_names],
        "accuracy": accuracy,
        "train_accuracy": train_accuracy,
        "sklearn_version": sklearn.__version__,
        "numpy_version": numpy.__version__,
    }
    out_dir = os.path.dirname(args.output)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    with open(args.output, "wb") as f:
        pickle.dump(artifact, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"saved model to {args.output} (classes: {', '.join(artifact['class_names'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
