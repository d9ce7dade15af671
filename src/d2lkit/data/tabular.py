"""Tables of the book and the course notes, preprocessed into float32 tensors.

Kaggle house prices (4.10), the preprocessing of 2.2, the airfoil self-noise
data of chapter 11 (``get_data_ch11``) and the course's diabetes table.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from d2lkit.atomic import atomic_path
from d2lkit.data.access import require
from d2lkit.data.catalog import refetch_hint
from d2lkit.data.files import read_bytes, read_csv, require_columns
from d2lkit.data.loaders import TensorLoader
from d2lkit.errors import DataError

if TYPE_CHECKING:  # pandas is imported when a table is read, not with d2lkit
    import pandas as pd

__all__ = [
    "HouseData",
    "fill_na_with_mean",
    "frame_to_tensor",
    "get_data_ch11",
    "load_kaggle_house",
    "one_hot",
    "preprocess_kaggle_house",
    "read_airfoil",
    "read_diabetes",
    "read_kaggle_house",
    "read_numeric_table",
    "write_submission",
]

Root = str | os.PathLike[str] | None


# --- 2.2: the three steps of preprocessing a small table ----------------------


def fill_na_with_mean(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns' missing values replaced by the column mean (2.2); others untouched."""
    import pandas as pd

    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    out = frame.copy()
    out[numeric] = out[numeric].fillna(out[numeric].mean())
    return out


def one_hot(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns one-hot encoded, with "missing" as a category of its own (2.2)."""
    import pandas as pd

    return pd.get_dummies(frame, dummy_na=True)


def frame_to_tensor(
    frame: pd.DataFrame | pd.Series, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """A numeric (or boolean) table as one tensor; a text cell left is an error, not garbage."""
    try:
        array = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"the table still has non-numeric cells ({exc}): one-hot encode them first"
        ) from None
    return torch.tensor(array, dtype=dtype)


# --- 4.10: Kaggle house prices -----------------------------------------------


@dataclass(frozen=True)
class HouseData:
    """Kaggle house prices, preprocessed as in the book: features (N, 330), prices (N, 1).

    330 columns: 36 numeric, 251 categories and one "missing" column for each of
    the 43 categorical features. The book prints 331, made by an older pandas.
    """

    train_features: torch.Tensor  # (1460, F) float32
    train_labels: torch.Tensor  # (1460, 1) float32, SalePrice in dollars
    test_features: torch.Tensor  # (1459, F) float32
    test_ids: torch.Tensor  # (1459,) int64, the Id column for the submission
    columns: tuple[str, ...]  # the F feature names, numeric first, then one-hot


def read_kaggle_house(
    root: Root = None, *, download: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The verified train (1460 x 81) and test (1459 x 80) tables as DataFrames."""
    train_path = require("kaggle-house", "kaggle_house_pred_train.csv", root, download=download)
    test_path = require("kaggle-house", "kaggle_house_pred_test.csv", root, download=download)
    return (read_csv(train_path, ("Id", "SalePrice")), read_csv(test_path, ("Id",)))


def preprocess_kaggle_house(
    train: pd.DataFrame, test: pd.DataFrame, names: tuple[str, str] = ("train", "test")
) -> HouseData:
    """The book's preprocessing, with statistics of train and test features together.

    Numeric columns are standardised, then their missing values set to 0 (the
    mean); categorical columns are one-hot encoded with NaN as a category, so
    train and test get the same columns.
    """
    import pandas as pd

    require_columns(train, ("Id", "SalePrice"), names[0])
    features = [c for c in train.columns if c not in ("Id", "SalePrice")]
    require_columns(test, ("Id", *features), names[1])
    all_features = pd.concat((train[features], test[features]), ignore_index=True)
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(all_features[c])]
    stats = all_features[numeric]
    all_features[numeric] = ((stats - stats.mean()) / stats.std()).fillna(0)
    all_features = one_hot(all_features)
    n_train = len(train)
    values = frame_to_tensor(all_features)
    return HouseData(
        train_features=values[:n_train],
        train_labels=frame_to_tensor(train[["SalePrice"]]),
        test_features=values[n_train:],
        test_ids=torch.tensor(test["Id"].to_numpy(), dtype=torch.int64),
        columns=tuple(map(str, all_features.columns)),
    )


def load_kaggle_house(root: Root = None) -> HouseData:
    """Kaggle house prices read, verified and preprocessed as in the book."""
    train, test = read_kaggle_house(root)
    return preprocess_kaggle_house(train, test)


def write_submission(
    path: str | os.PathLike[str],
    ids: torch.Tensor | Sequence[int],
    predictions: torch.Tensor | Sequence[float],
) -> Path:
    """Write Kaggle's submission CSV (Id,SalePrice), atomically: never a half-written file."""
    import pandas as pd

    ids = torch.as_tensor(ids).reshape(-1)
    prices = torch.as_tensor(predictions, dtype=torch.float64).detach().cpu().reshape(-1)
    if ids.numel() != prices.numel():
        raise ValueError(f"{ids.numel()} ids but {prices.numel()} predictions")
    frame = pd.DataFrame({"Id": ids.cpu().numpy(), "SalePrice": prices.numpy()})
    # a failed write names the path, the cause (a file where a folder should be, a full
    # disk, no permission) and the fix: d2lkit.write_errors
    with atomic_path(path, elsewhere="choose a path in a folder you can write to") as tmp:
        frame.to_csv(tmp, index=False)
    return Path(path)


# --- numeric tables: airfoil (chapter 11) and diabetes (course) --------------


def read_numeric_table(path: Path, num_columns: int, delimiter: str | None = None) -> torch.Tensor:
    """A headerless table of numbers (gzip or plain) as float32 (rows, num_columns)."""
    text = read_bytes(path).decode("ascii", errors="replace")
    try:
        array = np.loadtxt(io.StringIO(text), delimiter=delimiter, dtype=np.float32, ndmin=2)
    except ValueError as exc:
        raise DataError(
            f"{path} is not a table of numbers ({exc})",
            fix=f"check it is the right file, or fetch it again ({refetch_hint(path)})",
        ) from None
    if array.shape[1] != num_columns:
        raise DataError(
            f"{path} has {array.shape[1]} columns, expected {num_columns}",
            fix=f"check it is the right file, or fetch it again ({refetch_hint(path)})",
        )
    return torch.from_numpy(array)


def read_airfoil(root: Root = None, *, download: bool = True) -> torch.Tensor:
    """The 1503 x 6 airfoil table (5 features, then the sound level in dB), float32."""
    return read_numeric_table(
        require("airfoil", "airfoil_self_noise.dat", root, download=download), 6, "\t"
    )


def get_data_ch11(
    batch_size: int = 10,
    n: int = 1500,
    *,
    root: Root = None,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> tuple[TensorLoader, int]:
    """The book's airfoil loader: all rows standardised, the first ``n`` served shuffled.

    Returns the loader of (features (B, 5), target (B,)) and the number of features.
    """
    data = read_airfoil(root)
    data = (data - data.mean(dim=0)) / data.std(dim=0, unbiased=False)  # numpy's std
    loader = TensorLoader(
        data[:n, :-1], data[:n, -1], batch_size=batch_size, shuffle=True, seed=seed, device=device
    )
    return loader, data.shape[1] - 1


def read_diabetes(root: Root = None, *, download: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """The course's diabetes table: features (758, 8) and 0/1 labels (758, 1), float32."""
    data = read_numeric_table(
        require("diabetes", "diabetes.csv.gz", root, download=download), 9, ","
    )
    return data[:, :-1], data[:, -1:]
