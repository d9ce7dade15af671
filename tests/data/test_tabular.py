"""Tables: Kaggle house prices, the 2.2 preprocessing, airfoil (chapter 11), diabetes."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
import torch

from d2lkit.data import tabular
from d2lkit.data.files import read_csv
from d2lkit.errors import DataError
from d2lkit.write_errors import WriteError


@pytest.fixture(scope="module")
def house(data_root):
    return tabular.load_kaggle_house(data_root)


def test_kaggle_house_raw_tables_have_their_rows_columns_and_ids(data_root):
    train, test = tabular.read_kaggle_house(data_root)
    assert train.shape == (1460, 81) and test.shape == (1459, 80)
    assert train.iloc[0, :5].tolist() == [1, 60, "RL", 65.0, 8450]
    assert train["Id"].iloc[-1] == 1460 and train["SalePrice"].iloc[-1] == 147500
    assert test.iloc[0, :3].tolist() == [1461, 20, "RH"]
    assert test.iloc[-1, :3].tolist() == [2919, 60, "RL"]


def test_kaggle_house_features_are_float32_with_the_same_columns_for_train_and_test(house):
    assert house.train_features.shape == (1460, 330) and house.test_features.shape == (1459, 330)
    assert house.train_features.dtype == torch.float32 and len(house.columns) == 330
    assert not torch.isnan(torch.cat([house.train_features, house.test_features])).any()
    assert house.columns[:3] == ("MSSubClass", "LotFrontage", "LotArea")
    assert house.columns[-2:] == ("SaleCondition_Partial", "SaleCondition_nan")
    assert sum(c.endswith("_nan") for c in house.columns) == 43  # one per categorical column


def test_kaggle_house_numeric_columns_are_standardised_on_train_and_test_together(house):
    both = torch.cat([house.train_features, house.test_features])[:, :36].double()
    assert torch.allclose(both.mean(0), torch.zeros(36, dtype=torch.float64), atol=1e-6)
    # missing values were set to 0 after standardising, so std is at most 1
    assert (both.std(0) <= 1 + 1e-5).all() and (both.std(0) > 0.9).all()
    torch.testing.assert_close(
        house.train_features[0, :4],
        torch.tensor([0.067320, -0.184443, -0.217841, 0.646073]),
        atol=1e-5,
        rtol=0,
    )
    torch.testing.assert_close(
        house.test_features[0, :4],
        torch.tensor([-0.873466, 0.458096, 0.184340, -0.772420]),
        atol=1e-5,
        rtol=0,
    )


def test_kaggle_house_one_hot_columns_and_target(house):
    rl = house.columns.index("MSZoning_RL")
    assert house.train_features[0, rl] == 1 and house.test_features[0, rl] == 0  # RL vs RH
    assert set(house.train_features[:, 36:].unique().tolist()) == {0.0, 1.0}
    assert house.train_labels.shape == (1460, 1)
    assert house.train_labels[:3, 0].tolist() == [208500.0, 181500.0, 223500.0]
    assert house.train_labels[-1, 0] == 147500.0
    assert house.test_ids[0] == 1461 and house.test_ids[-1] == 2919


def test_submission_csv_has_id_and_sale_price_and_no_part_file(tmp_path, house):
    path = tabular.write_submission(
        tmp_path / "submission.csv", house.test_ids, torch.full((1459, 1), 180000.0)
    )
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["Id", "SalePrice"] and len(frame) == 1459
    assert frame.iloc[0].tolist() == [1461, 180000.0]
    assert [p.name for p in tmp_path.iterdir()] == ["submission.csv"]
    with pytest.raises(ValueError, match="1459 ids but 3 predictions"):
        tabular.write_submission(tmp_path / "bad.csv", house.test_ids, [1.0, 2.0, 3.0])


def test_house_tables_missing_columns_are_listed(tmp_path):
    train = pd.DataFrame({"Id": [1], "A": [1.0], "B": ["x"], "SalePrice": [10.0]})
    with pytest.raises(DataError) as err:
        tabular.preprocess_kaggle_house(train, pd.DataFrame({"Id": [2], "A": [2.0]}))
    assert "test lacks the column(s) B" in err.value.message
    (tmp_path / "t.csv").write_text("Id,A\n1,2\n")
    with pytest.raises(DataError) as err:
        read_csv(tmp_path / "t.csv", ("Id", "SalePrice", "MSZoning"))
    assert str(tmp_path / "t.csv") in err.value.message
    assert "SalePrice, MSZoning" in err.value.message and "header" in err.value.fix


def test_csv_in_another_encoding_names_the_byte_and_suggests_a_fix(tmp_path):
    (tmp_path / "latin.csv").write_bytes("Id,Street\n1,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError) as err:
        read_csv(tmp_path / "latin.csv", ("Id",))
    assert "latin.csv is not UTF-8 text: byte 15 (0xe9 0a)" in err.value.message
    assert "iconv" in err.value.fix and "d2lkit data fetch" in err.value.fix


def test_the_2_2_preprocessing_of_a_small_table(tmp_path):
    (tmp_path / "house_tiny.csv").write_text(
        "NumRooms,Alley,Price\nNA,Pave,127500\n2,NA,106000\n4,NA,178100\nNA,NA,140000\n"
    )
    data = read_csv(tmp_path / "house_tiny.csv", ("NumRooms", "Alley", "Price"))
    inputs, outputs = data.iloc[:, :2], data.iloc[:, 2]
    inputs = tabular.one_hot(tabular.fill_na_with_mean(inputs))
    assert list(inputs.columns) == ["NumRooms", "Alley_Pave", "Alley_nan"]
    X, y = tabular.frame_to_tensor(inputs), tabular.frame_to_tensor(outputs)
    assert X.tolist() == [[3.0, 1.0, 0.0], [2.0, 0.0, 1.0], [4.0, 0.0, 1.0], [3.0, 0.0, 1.0]]
    assert y.tolist() == [127500.0, 106000.0, 178100.0, 140000.0] and X.dtype == torch.float32
    with pytest.raises(ValueError, match="one-hot encode"):
        tabular.frame_to_tensor(data)


def test_airfoil_rows_and_values(data_root):
    data = tabular.read_airfoil(data_root)
    assert data.shape == (1503, 6) and data.dtype == torch.float32
    torch.testing.assert_close(data[0], torch.tensor([800, 0, 0.3048, 71.3, 0.00266337, 126.201]))
    torch.testing.assert_close(
        data[-1], torch.tensor([6300, 15.6, 0.1016, 39.6, 0.0528487, 104.204])
    )


def test_get_data_ch11_serves_the_first_1500_standardised_rows(data_root):
    loader, num_features = tabular.get_data_ch11(batch_size=10, root=data_root)
    assert num_features == 5 and len(loader) == 150
    X, y = loader.tensors
    assert X.shape == (1500, 5) and y.shape == (1500,)
    raw = tabular.read_airfoil(data_root).double()
    expected = (raw - raw.mean(0)) / raw.std(0, unbiased=False)
    torch.testing.assert_close(X.double(), expected[:1500, :5], atol=1e-5, rtol=0)
    torch.testing.assert_close(y.double(), expected[:1500, 5], atol=1e-5, rtol=0)
    features, target = next(iter(loader))
    assert features.shape == (10, 5) and target.shape == (10,)


def test_diabetes_reads_compressed_into_features_and_labels(data_root):
    x, y = tabular.read_diabetes(data_root)
    assert x.shape == (758, 8) and y.shape == (758, 1) and x.dtype == torch.float32
    torch.testing.assert_close(
        x[0],
        torch.tensor(
            [-0.294118, 0.487437, 0.180328, -0.292929, 0, 0.00149028, -0.53117, -0.0333333]
        ),
    )
    assert y[0, 0] == 0 and y[1, 0] == 1 and int(y.sum()) == 495
    assert set(y.flatten().tolist()) == {0.0, 1.0} and x.abs().max() <= 1


def test_numeric_table_with_the_wrong_number_of_columns_is_explained(tmp_path):
    (tmp_path / "short.csv.gz").write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    with pytest.raises(DataError) as err:
        tabular.read_numeric_table(tmp_path / "short.csv.gz", 9, ",")
    assert "short.csv.gz has 3 columns, expected 9" in err.value.message
    (tmp_path / "ragged.dat").write_text("1\t2\n3\n")
    with pytest.raises(DataError, match=r"ragged\.dat is not a table of numbers"):
        tabular.read_numeric_table(tmp_path / "ragged.dat", 2, "\t")


@pytest.mark.parametrize("where", ["under-a-file", "a-folder"])
def test_write_submission_to_an_impossible_path_names_it_and_the_fix(tmp_path, where):
    (tmp_path / "notes.txt").write_text("a file")
    (tmp_path / "out").mkdir()
    path = tmp_path / "notes.txt" / "sub.csv" if where == "under-a-file" else tmp_path / "out"
    with pytest.raises(WriteError) as err:
        tabular.write_submission(path, [1, 2], [1.0, 2.0])
    assert str(path) in err.value.message
    problem = "notes.txt is a file, not a folder" if where == "under-a-file" else "is a folder"
    assert problem in err.value.message and "choose a path" in err.value.fix
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "out"]
