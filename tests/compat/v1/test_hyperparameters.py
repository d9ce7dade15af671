"""add_to_class and HyperParameters: the book's way of writing classes across cells (3.2)."""

from __future__ import annotations

from d2lkit.compat.v1.hyperparameters import HyperParameters, add_to_class


def test_add_to_class_gives_an_existing_instance_a_new_method():
    class A:
        def __init__(self) -> None:
            self.b = 1

    a = A()

    @add_to_class(A)
    def do(self: A) -> str:
        return f"Class attribute 'b' is {self.b}"

    assert a.do() == "Class attribute 'b' is 1"  # type: ignore[attr-defined]
    assert do(a) == a.do()  # type: ignore[attr-defined]  # the name stays usable


def test_add_to_class_replaces_a_method_for_instances_made_before():
    class A:
        def f(self) -> int:
            return 1

    a = A()

    @add_to_class(A)
    def f(self: A) -> int:
        return 2

    assert a.f() == 2 and A().f() == 2


def test_save_hyperparameters_keeps_the_arguments_but_the_ignored_ones():
    # the book's example (3.2): B(a=1, b=2, c=3) with ignore=['c']
    class B(HyperParameters):
        def __init__(self, a: int, b: int, c: int) -> None:
            self.save_hyperparameters(ignore=["c"])

    b = B(a=1, b=2, c=3)
    assert (b.a, b.b) == (1, 2)  # type: ignore[attr-defined]
    assert not hasattr(b, "c")
    assert b.hparams == {"a": 1, "b": 2}


def test_save_hyperparameters_skips_self_and_private_locals_and_keeps_other_locals():
    class C(HyperParameters):
        def __init__(self, x: int) -> None:
            _hidden = 5
            y = x + 1  # a local computed before the call is saved too, as in the book
            self.save_hyperparameters()
            assert _hidden and y

    c = C(3)
    assert c.hparams == {"x": 3, "y": 4}
