from matrixlite import identity, matmul

from .helpers import expected_identity_2x2, expected_product


def test_identity():
    assert identity(2) == expected_identity_2x2()


def test_matmul():
    assert matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == expected_product()
