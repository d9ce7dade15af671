"""The catalog lists every data set once, and the store verifies and fetches each kind."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from d2lkit.data import access, catalog, store
from d2lkit.data.catalog import DATASETS, DataFile, Dataset
from d2lkit.errors import DataError, DownloadError

_HEX = {"md5": 32, "sha1": 40, "sha256": 64}
# Data sets of the catalog that the shared data directory does not hold.
NOT_IN_SHARED_DATA = {
    "mnist",
    "cifar-10",
    "hotdog",
    "banana-detection",
    "voc2012",
    "dog-tiny",
    "pokemon",
    "resnet18-imagenet",
    "resnet34-imagenet",
    "vgg19-imagenet",
    "style-images",
}
BOOK_HUB_FILES = {
    "kaggle-house": ("kaggle_house_pred_train.csv", "kaggle_house_pred_test.csv"),
    "time-machine": ("timemachine.txt",),
    "airfoil": ("airfoil_self_noise.dat",),
    "ptb": ("ptb.zip",),
    "fra-eng": ("fra-eng.zip",),
    "fr-en-small": ("fr-en-small.txt",),
    "jaychou-lyrics": ("jaychou_lyrics.txt.zip",),
    "aclimdb-tiny": ("aclImdb_tiny.zip",),
    "glove.6b.50d": ("glove.6B.50d.zip",),
    "glove.6b.100d": ("glove.6B.100d.zip",),
    "glove.42b.300d": ("glove.42B.300d.zip",),
    "wiki.en": ("wiki.en.zip",),
    "bert.small": ("bert.small.torch.zip",),
    "bert.base": ("bert.base.torch.zip",),
}
# Chapters 14-15 as the book's DATA_HUB lists them (d2l 0.17.6 and the 15.7 cells).
BOOK_NLP_SHA1 = {
    "glove.6b.50d": "0b8703943ccdb6eb788e6f091b8946e82231bc4d",
    "glove.6b.100d": "cd43bfb07e44e6f27cbcc7bc9ae3d80284fdaf5a",
    "glove.42b.300d": "b5116e234e9eb9076672cfeabf5469f3eec904fa",
    "wiki.en": "c1816da3821ae9f43899be655002f6c723e91b88",
    "wikitext-2": "3c914d17d80b1459be871a5039ac23e752a53cbe",
    "aclimdb": "01ada507287d82875905620988597833ad4e0903",
    "snli": "9fcde07509c7e87ec61c640c1b2753d9041758e4",
    "bert.small": "c72329e68a732bef0452e4b96a1c341c8910f81f",
    "bert.base": "225d66f04cae318b841a13d32af3acc165f253ac",
}
NOT_IN_SHARED_DATA |= set(BOOK_NLP_SHA1)


def _checksum_ok(checksum: str) -> bool:
    algorithm, _, digest = checksum.partition(":")
    if algorithm == "sha256-prefix":  # torch.hub's check: at least 8 leading digits
        return 8 <= len(digest) < 64 and all(c in "0123456789abcdef" for c in digest)
    return len(digest) == _HEX.get(algorithm, -1) and all(c in "0123456789abcdef" for c in digest)


def test_every_data_set_of_the_curriculum_is_listed_once():
    assert set(DATASETS) == {
        "fashion-mnist",
        "mnist",
        "cifar-10",
        "cifar10-tiny",
        "kaggle-house",
        "airfoil",
        "diabetes",
        "time-machine",
        "jaychou-lyrics",
        "fra-eng",
        "fr-en-small",
        "ptb",
        "aclimdb-tiny",
        "hotdog",
        "banana-detection",
        "voc2012",
        "dog-tiny",
        "pokemon",
        "resnet18-imagenet",
        "resnet34-imagenet",
        "vgg19-imagenet",
        "style-images",
        *BOOK_NLP_SHA1,
    }
    names = [(d.folder, f.name) for d in DATASETS.values() for f in d.files]
    assert len(names) == len(set(names))


def test_every_entry_has_well_formed_checksums_and_urls():
    for dataset in DATASETS.values():
        for entry in dataset.files:
            assert all(_checksum_ok(c) for c in entry.checksums), entry.name
            assert all(_checksum_ok(c) for c in entry.tree_checksums), entry.name
            assert all(u.startswith(("http://", "https://")) for u in entry.urls), entry.name
            assert entry.url == (entry.urls[0] if entry.urls else "")


def test_https_urls_come_before_plain_http_ones():
    for dataset in DATASETS.values():
        for entry in dataset.files:
            schemes = [u.split(":", 1)[0] for u in entry.urls]
            assert schemes == sorted(schemes, key=lambda s: s != "https"), entry.name
            assert not entry.urls or schemes[0] == "https", entry.name
    hub = catalog.get_dataset("time-machine").file("timemachine.txt")
    assert hub.urls[0] == "https://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"
    assert hub.urls[-1] == "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"


def test_book_hub_files_live_in_d2l_with_the_hub_url_first():
    for name, files in BOOK_HUB_FILES.items():
        ds = catalog.get_dataset(name)
        assert ds.folder == "d2l" and tuple(f.name for f in ds.files) == files
        for entry in ds.files:
            assert entry.urls[0] == catalog.D2L_HUB + entry.name
            assert entry.checksum.startswith("sha1:")


def test_nlp_files_carry_the_books_urls_and_sha1s():
    for name, sha1 in BOOK_NLP_SHA1.items():
        [entry] = catalog.get_dataset(name).files
        assert entry.checksum == f"sha1:{sha1}" and catalog.get_dataset(name).folder == "d2l"
    wiki = catalog.get_dataset("wikitext-2").files[0]
    assert wiki.urls[0] == (
        "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip"
    )
    imdb = catalog.get_dataset("aclimdb").files[0]
    assert "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz" in imdb.urls
    assert imdb.urls[0] == "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
    snli = catalog.get_dataset("snli").files[0]
    assert snli.urls == ("https://nlp.stanford.edu/projects/snli/snli_1.0.zip",)


def test_official_sources_of_cifar10_and_the_kaggle_sample():
    entry = catalog.get_dataset("cifar-10").file("cifar-10-python.tar.gz")
    assert entry.urls == ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",)
    assert entry.checksum == "md5:c58f30108f718f92721af3b95e74349a"
    tiny = catalog.get_dataset("cifar10-tiny")
    assert tiny.folder == "cifar10-tiny" and tiny.files[0].unpack_to == "."
    assert tiny.files[0].checksum == "sha1:2068874e4b9a9f0fb07ebe0ad2b29754449ccacd"


def test_fra_eng_keeps_the_official_checksum_first_and_accepts_the_known_copy():
    entry = catalog.get_dataset("fra-eng").file("fra-eng.zip")
    assert entry.checksum == "sha1:94646ad1522d915e7b0f9296181140edcf86a4f5"
    assert entry.also_accepted == ("sha1:73848f36c17cc9c0187a058d6f7f315e68cdd61f",)


def test_diabetes_has_no_invented_url_and_fetching_it_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)  # downloads on: none is possible
    entry = catalog.get_dataset("diabetes").file("diabetes.csv.gz")
    assert entry.urls == () and entry.url == ""
    with pytest.raises(DownloadError) as err:
        store.fetch("diabetes", tmp_path)
    assert "no download URL is known for diabetes.csv.gz" in err.value.message
    assert str(tmp_path / "liuer" / "diabetes.csv.gz") in err.value.fix


# --- the real files ------------------------------------------------------------


def test_every_real_file_verifies_against_the_catalog(data_root):
    present = set()
    for dataset in DATASETS.values():
        for entry in dataset.files:
            path = store.find_local(dataset, entry, data_root)
            if path is not None:
                store.verify(path, entry, use_cache=False)
                present.add(dataset.name)
    assert present == set(DATASETS) - NOT_IN_SHARED_DATA


def test_kaggle_folder_is_found_as_a_folder_and_listed_with_its_size(data_root):
    ds = catalog.get_dataset("cifar10-tiny")
    [status] = store.file_status(ds, data_root)
    assert status.path == data_root / "cifar10-tiny" and status.path.is_dir()
    files = [p for p in status.path.rglob("*") if p.is_file()]
    assert len(files) == 1101 and status.size == sum(p.stat().st_size for p in files)
    assert status.url == catalog.D2L_HUB + "kaggle_cifar10_tiny.zip"
    assert store.tree_digest(status.path, ds.files[0]) == ds.files[0].tree_checksums[0]


def test_data_list_rows_exist_for_every_data_set(data_root, tmp_path):
    for root in (data_root, tmp_path):
        for dataset in DATASETS.values():
            for status in store.file_status(dataset, root):
                assert (
                    status.dataset == dataset.name and status.url == dataset.file(status.name).url
                )
                absent = root == tmp_path or dataset.name in NOT_IN_SHARED_DATA
                assert (status.path is None) == absent


def test_a_copy_matching_no_known_checksum_lists_the_official_and_the_known_one(tmp_path):
    entry = catalog.get_dataset("fra-eng").file("fra-eng.zip")
    (tmp_path / "fra-eng.zip").write_bytes(b"not the pairs")
    with pytest.raises(DataError) as err:
        store.verify(tmp_path / "fra-eng.zip", entry, use_cache=False)
    assert "94646ad1522d915e7b0f9296181140edcf86a4f5" in err.value.message
    assert "73848f36c17cc9c0187a058d6f7f315e68cdd61f" in err.value.message


# --- folders extracted from an archive -----------------------------------------


def _served_zip(top: str = "kaggle_tiny/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{top}trainLabels.csv", "id,label\n1,frog\n")
        archive.writestr(f"{top}train/1.png", b"png bytes")
        archive.writestr("__MACOSX/._junk", b"resource fork")
    return buffer.getvalue()


@pytest.fixture
def toy_folder(monkeypatch):
    """A catalog of one archive that is used as a folder, 'downloaded' from memory."""
    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)  # the suite's offline: off here
    served = _served_zip()
    entry = DataFile(
        name="toy.zip",
        urls=("http://127.0.0.1:9/toy.zip",),
        checksum=f"sha1:{hashlib.sha1(served).hexdigest()}",
        unpack_to=".",
    )
    toy = Dataset(name="toy", folder="toy", title="toy", files=(entry,))
    monkeypatch.setattr(catalog, "DATASETS", {"toy": toy})
    monkeypatch.setattr(access, "DATASETS", {"toy": toy})
    calls = []
    real_download = store.download

    def download(entry: DataFile, dest: Path, **kwargs: object) -> Path:
        if not entry.urls:
            return real_download(entry, dest)  # says that no URL is known
        calls.append(entry.name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(served)
        return dest

    monkeypatch.setattr(access, "download", download)
    return toy, calls


def test_fetch_extracts_the_archive_into_its_folder_and_it_verifies(tmp_path, toy_folder):
    toy, calls = toy_folder
    [folder] = store.fetch("toy", tmp_path)
    assert folder == tmp_path / "toy" and calls == ["toy.zip"]
    assert (folder / "trainLabels.csv").read_text() == "id,label\n1,frog\n"  # top folder dropped
    assert (folder / "train" / "1.png").read_bytes() == b"png bytes"
    assert not (folder / "__MACOSX").exists()
    manifest = json.loads((folder / ".d2lkit-tree.json").read_text())
    assert manifest["tree"] == store.tree_digest(folder, toy.files[0])
    store.verify(folder, toy.files[0], use_cache=False)
    assert store.fetch("toy", tmp_path) == [folder] and calls == ["toy.zip"]  # nothing new


def test_a_changed_file_in_an_extracted_folder_is_named(tmp_path, toy_folder):
    [folder] = store.fetch("toy", tmp_path)
    (folder / "train" / "1.png").write_bytes(b"other bytes")
    with pytest.raises(DataError) as err:
        store.require_unpacked("toy", "toy.zip", tmp_path)
    assert "train/1.png (changed)" in err.value.message and "fetch" in err.value.fix


def test_fetch_repairs_a_damaged_folder_from_the_verified_archive(tmp_path, toy_folder):
    _, calls = toy_folder
    [folder] = store.fetch("toy", tmp_path)
    (folder / "trainLabels.csv").write_text("id,label\n1,cat\n")
    assert store.fetch("toy", tmp_path) == [folder] and calls == ["toy.zip"]  # no download
    assert (folder / "trainLabels.csv").read_text() == "id,label\n1,frog\n"


def test_require_unpacked_extracts_an_archive_found_alone(tmp_path, toy_folder):
    _, calls = toy_folder
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "toy.zip").write_bytes(_served_zip())
    folder = store.require_unpacked("toy", "toy.zip", tmp_path)
    assert (folder / "train" / "1.png").exists() and calls == []


def test_an_unknown_folder_is_refused_with_its_tree_digest(tmp_path, toy_folder):
    (tmp_path / "toy" / "train").mkdir(parents=True)
    (tmp_path / "toy" / "train" / "1.png").write_bytes(b"from somewhere")
    with pytest.raises(DataError) as err:
        store.require_unpacked("toy", "toy.zip", tmp_path)
    assert "tree digest is sha1:" in err.value.message


def test_fetch_all_fetches_what_is_missing_and_reports_every_failure(
    tmp_path, toy_folder, monkeypatch
):
    toy, calls = toy_folder
    nourl = Dataset(
        name="nourl",
        folder="x",
        title="x",
        files=(DataFile(name="x.csv", urls=(), checksum="sha1:" + "0" * 40),),
    )
    both = {"toy": toy, "nourl": nourl}
    monkeypatch.setattr(catalog, "DATASETS", both)
    monkeypatch.setattr(access, "DATASETS", both)
    with pytest.raises(DownloadError) as err:
        store.fetch_all(tmp_path)
    assert "could not fetch 1 of 2" in err.value.message and "nourl:" in err.value.message
    assert err.value.fix.startswith("`d2lkit data fetch nourl` names each missing file")
    assert "present and verified: toy" in err.value.message
    assert store.fetch_all(tmp_path, strict=False) == {"toy": [tmp_path / "toy"]}
    assert calls == ["toy.zip"]  # the second run found the toy complete


def test_fetch_all_skips_complete_data_sets_without_touching_the_network(data_root, monkeypatch):
    def no_network(*args: object, **kwargs: object) -> Path:
        raise AssertionError("download called for a complete data set")

    monkeypatch.setattr(store, "download", no_network)
    present = {k: v for k, v in DATASETS.items() if k in ("time-machine", "cifar10-tiny")}
    monkeypatch.setattr(access, "DATASETS", present)
    fetched = store.fetch_all(data_root)
    assert fetched == {
        "time-machine": [data_root / "d2l" / "timemachine.txt"],
        "cifar10-tiny": [data_root / "cifar10-tiny"],
    }


def test_a_folder_is_refused_for_an_entry_that_is_a_plain_file(tmp_path):
    entry = replace(catalog.get_dataset("time-machine").files[0])
    (tmp_path / "timemachine.txt").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        store.verify(tmp_path / "timemachine.txt", entry, use_cache=False)


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda m: [m], "holds a JSON list, not the object d2lkit writes"),
        (lambda m: {**m, "tree": 5}, "tree is 5 (a int), expected a str"),
        (lambda m: {**m, "files": ["a"]}, "files is ['a'] (a list), expected an object"),
        (lambda m: {**m, "files": {"a": 1}}, "files['a'] is 1 (a int), expected a str"),
        (lambda m: {k: v for k, v in m.items() if k != "archive_checksum"}, "no archive_checksum"),
    ],
    ids=["list", "tree-int", "files-list", "files-int", "missing"],
)
def test_a_manifest_not_of_the_written_shape_is_named_and_the_folder_reextracted(
    tmp_path, toy_folder, monkeypatch, edit, said
):
    toy, _ = toy_folder
    [folder] = store.fetch("toy", tmp_path)
    manifest = folder / ".d2lkit-tree.json"
    manifest.write_text(json.dumps(edit(json.loads(manifest.read_text()))))
    with pytest.raises(DataError) as err:
        store.verify(folder, toy.files[0], use_cache=False)
    assert f"{manifest}" in err.value.message and said in err.value.message
    monkeypatch.setenv(store.ENV_CACHE, str(tmp_path / "fresh-cache"))  # no verdict to trust
    assert store.fetch("toy", tmp_path) == [folder]  # extracted again from the archive
    store.verify(folder, toy.files[0], use_cache=False)


# --- fix lines name the real data set, never a placeholder -----------------------------------


@pytest.mark.parametrize(
    ("rel", "hint"),
    [
        ("fashion-mnist/train-labels-idx1-ubyte.gz", "`d2lkit data fetch fashion-mnist`"),
        ("mnist/train-labels-idx1-ubyte.gz", "`d2lkit data fetch mnist`"),  # the same file name
        ("mnist/t10k-images-idx3-ubyte", "`d2lkit data fetch mnist`"),  # an unpacked copy
        ("d2l/airfoil_self_noise.dat", "`d2lkit data fetch airfoil`"),
        ("d2l/ptb.zip", "`d2lkit data fetch ptb`"),
        ("elsewhere/train-labels-idx1-ubyte.gz", "`d2lkit data fetch fashion-mnist` or "),
        ("mine/my_table.csv", "`d2lkit data fetch <data set>` (`d2lkit data list` names it)"),
    ],
)
def test_refetch_hint_names_the_data_set_a_file_belongs_to(tmp_path, rel, hint):
    assert catalog.refetch_hint(tmp_path / rel).startswith(hint)


def test_readers_fix_lines_name_the_real_data_set(tmp_path):
    from d2lkit.data import files, idx, tabular

    def fix_of(call) -> str:
        with pytest.raises(DataError) as err:
            call()
        assert "NAME" not in err.value.fix and "<data set>" not in err.value.fix
        return err.value.fix

    labels = tmp_path / "mnist" / "train-labels-idx1-ubyte.gz"
    labels.parent.mkdir()
    labels.write_bytes(gzip.compress(bytes(range(256)) * 8)[:40])  # truncated
    assert "`d2lkit data fetch mnist`" in fix_of(lambda: files.read_bytes(labels))
    table = tmp_path / "d2l" / "airfoil_self_noise.dat"
    table.parent.mkdir()
    table.write_text("1\t2\tthree\n")
    fix = fix_of(lambda: tabular.read_numeric_table(table, 6, "\t"))
    assert "`d2lkit data fetch airfoil`" in fix
    name = str(tmp_path / "fashion-mnist" / "t10k-labels-idx1-ubyte")
    assert "fetch fashion-mnist" in fix_of(lambda: idx.check_idx_header(b"\0\0", name))
    ptb = tmp_path / "d2l" / "ptb.zip"
    ptb.write_bytes(b"PK\x03\x04 not a zip")
    assert "`d2lkit data fetch ptb`" in fix_of(lambda: store.extract_archive(ptb, tmp_path / "x"))
    csv = tmp_path / "d2l" / "kaggle_house_pred_train.csv"
    csv.write_bytes(b"\xff\xfe not utf-8")
    assert "`d2lkit data fetch kaggle-house`" in fix_of(lambda: files.read_csv(csv))


# --- computer vision (chapter 13): the book's archives and torchvision's weights --------

# The book's DATA_HUB rows (d2l 0.17.6 torch.py): file name and sha1.
BOOK_CV_ARCHIVES = {
    "hotdog": ("hotdog.zip", "fba480ffa8aa7e0febbb511d181409f899b9baa5"),
    "banana-detection": ("banana-detection.zip", "5de26c8fce5ccdea9f91267273464dc968d20d72"),
    "voc2012": ("VOCtrainval_11-May-2012.tar", "4e443f8a2eca6b1dac8a6c57641b67dd40621a49"),
    "dog-tiny": ("kaggle_dog_tiny.zip", "0cb91d09b814ecdc07b50f31f8dcad3e81d6a86d"),
    "pokemon": ("pokemon.zip", "c065c0e2593b8b161a2d7873e42418bf6a21106c"),
}


def test_chapter_13_archives_come_from_the_books_hub_with_its_sha1_and_unpack_in_place():
    for name, (file, sha1) in BOOK_CV_ARCHIVES.items():
        ds = catalog.get_dataset(name)
        [entry] = ds.files
        assert (entry.name, entry.checksum) == (file, f"sha1:{sha1}")
        assert entry.urls[0] == catalog.D2L_HUB + file and entry.unpack_to == "."
        assert ds.folder == name


def test_voc_is_also_fetched_from_the_official_pascal_server():
    entry = catalog.get_dataset("voc2012").file("VOCtrainval_11-May-2012.tar")
    official = "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar"
    assert official in entry.urls
    assert entry.size == 1999639040


def test_pretrained_weights_come_from_pytorchs_server_named_by_their_sha256_prefix():
    for name, file in (
        ("resnet18-imagenet", "resnet18-f37072fd.pth"),
        ("resnet34-imagenet", "resnet34-b627a593.pth"),
        ("vgg19-imagenet", "vgg19-dcbb9e9d.pth"),
    ):
        ds = catalog.get_dataset(name)
        entry = ds.file(file)
        assert entry.urls == (f"https://download.pytorch.org/models/{file}",)
        prefix = file.rsplit("-", 1)[1].removesuffix(".pth")
        assert entry.checksum.split(":", 1)[1].startswith(prefix) and ds.folder == "weights"


def _prefix_entry(sha256_prefix: str) -> DataFile:
    return DataFile(name="w.pth", urls=(), checksum=f"sha256-prefix:{sha256_prefix}")


def test_a_sha256_prefix_check_passes_a_file_whose_hash_starts_with_it(tmp_path):
    path = tmp_path / "w.pth"
    path.write_bytes(b"weights")
    full = hashlib.sha256(b"weights").hexdigest()
    store.verify(path, _prefix_entry(full[:8]), use_cache=False)
    wrong = ("0" if full[0] != "0" else "1") + full[1:8]
    with pytest.raises(DataError) as err:
        store.verify(path, _prefix_entry(wrong), use_cache=False)
    assert f"sha256-prefix is {full}, expected {wrong}" in err.value.message


def test_missing_weights_name_the_file_its_url_and_the_folder(tmp_path):
    with pytest.raises(DownloadError) as err:
        store.require("resnet18-imagenet", "resnet18-f37072fd.pth", tmp_path, download=False)
    assert "resnet18-imagenet: 1 file missing" in err.value.message
    assert "https://download.pytorch.org/models/resnet18-f37072fd.pth" in err.value.fix
    assert str(tmp_path / "weights") in err.value.fix


def test_the_style_photos_are_the_books_own_files_in_both_editions_repositories():
    ds = catalog.get_dataset("style-images")
    for entry in ds.files:
        assert [u.rsplit("/", 1)[1] for u in entry.urls] == [entry.name, entry.name]
        assert entry.urls[0].startswith("https://raw.githubusercontent.com/d2l-ai/d2l-zh/")
        assert entry.urls[1].startswith("https://raw.githubusercontent.com/d2l-ai/d2l-en/")
