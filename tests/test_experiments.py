"""The experiments (toyframe.experiments): each runs, shows what it claims, prints its table, writes its PNG.

The xor experiment has its own file (tests/test_experiment_xor.py). Claims are checked on the
experiments' own settings where those take a second or two, with margins well inside what was
measured; every run is seeded, so each check is deterministic.
"""
import io
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference.core import statistics
from reference.core import tolerances
from reference.core.comparator import assert_close
from tests.cifar_files import write_cifar_folder
from tests.helpers import PNG_SIGNATURE, assert_identical, assert_png_of, bounded
from toyframe.experiments import _report, overfitting, regularization
from toyframe.experiments import vanilla_vs_inverted as vanilla
from toyframe.experiments.__main__ import main as experiment_command
from toyframe.functional import dropout_forward

KEEPS = st.floats(0.05, 0.95)


def table_lines(captured, title_start):
    """The printed table's lines (title, header, rule, rows..., figure line), checked for the title."""
    lines = captured.out.splitlines()
    assert lines[0].startswith(title_start), lines[0]
    assert set(lines[2]) <= {"-", " "}, lines[2]
    return lines


# --------------------------------------------------------------------------- (a) cs231n regularization

@pytest.fixture(scope="module")
def digits_result():
    """The experiment as the command runs it: 500 digits, FullyConnectedNet([500]), 25 epochs of Adam."""
    return regularization.run(regularization.digits_data(500, seed=0), seed=0)


def test_the_digits_split_is_500_training_rows_and_the_rest_for_validation():
    data = regularization.digits_data(500, seed=3)
    assert data["X_train"].shape == (500, 64) and data["X_val"].shape == (1297, 64)
    assert_close(data["X_train"].mean(axis=0), np.zeros(64), quantity="training mean after centring",
                 tolerance=tolerances.FLOAT64)
    assert set(np.unique(data["y_train"])) == set(range(10))
    with pytest.raises(ValueError, match="num_training must be in 1..1796"):
        regularization.digits_data(1797)


def test_dropout_lowers_training_accuracy_and_narrows_the_train_val_gap(digits_result):
    train, val = digits_result.train_accuracy, digits_result.val_accuracy
    for keep in (1.0, 0.25):
        assert len(train[keep]) == len(val[keep]) == 26  # epoch 0 and each of the 25
        assert val[keep][-1] > 0.85, keep  # both nets learn: chance is 0.1
    # Measured (seed 0): train 1.000 vs 0.964, val 0.907 vs 0.935, gap 0.092 vs 0.029.
    assert train[1.0][-1] - train[0.25][-1] >= 0.015
    assert val[0.25][-1] >= val[1.0][-1]
    assert digits_result.gap(1.0) - digits_result.gap(0.25) >= 0.03


def test_regularization_command_prints_its_table_and_writes_its_figure(tmp_path, capsys, digits_result):
    out = tmp_path / "figures" / "regularization.png"
    assert regularization.main(["--out", str(out), "--quiet"]) == 0
    lines = table_lines(capsys.readouterr(), "Dropout on digits")
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:5]}
    assert rows["1"][:2] == [f"{digits_result.train_accuracy[1.0][-1]:.4f}", f"{digits_result.val_accuracy[1.0][-1]:.4f}"]
    assert rows["0.25"][:2] == [f"{digits_result.train_accuracy[0.25][-1]:.4f}",
                                f"{digits_result.val_accuracy[0.25][-1]:.4f}"]
    assert lines[5] == f"figure: {out}"
    assert_png_of(out, regularization.plot(digits_result))


def test_regularization_runs_on_a_local_cifar10_folder(tmp_path, capsys):
    write_cifar_folder(tmp_path / "cifar", rows=20)
    out = tmp_path / "cifar.png"
    argv = ["--cifar10", str(tmp_path / "cifar"), "--train", "60", "--val", "40", "--hidden", "8", "--epochs", "2",
            "--out", str(out)]
    assert regularization.main(argv) == 0
    captured = capsys.readouterr()
    assert "[regularization] loading CIFAR-10 from" in captured.err
    assert "training 2 epochs on 60 CIFAR-10 images" in captured.err
    lines = table_lines(captured, "Dropout on CIFAR-10")
    assert [line.split()[0] for line in lines[3:5]] == ["1", "0.25"]
    assert out.read_bytes()[:8] == PNG_SIGNATURE


# --------------------------------------------------------------------------- (b) overfitting, toyframe and torch

def test_without_dropout_toyframe_and_torch_take_the_same_path():
    # Same initial weights, data and Adam: the curves and the fits agree to rounding (measured: 1e-15
    # over 200 epochs; over 500 the plain net's own instability grows that to 1e-7, so 200 here).
    result = overfitting.run(overfitting.make_data(seed=2), hidden=40, epochs=200, seed=2)
    ours, theirs = result.curves["toyframe", "no dropout"], result.curves["torch", "no dropout"]
    for quantity in ("train_loss", "test_loss", "fit"):
        assert_close(np.asarray(getattr(ours, quantity)), np.asarray(getattr(theirs, quantity)),
                     quantity=f"{quantity} of the nets without dropout", tolerance=tolerances.FLOAT64)


def test_the_toyframe_and_torch_nets_start_from_the_same_weights():
    torch.manual_seed(5)
    net = overfitting.torch_net(0.5, hidden=7)
    model = overfitting.toyframe_net_like(net, 0.5)
    x = np.linspace(-1, 1, 9).reshape(9, 1)
    model.eval(), net.eval()
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    assert_close(model(x), expected, quantity="eval-mode output of the copied net", tolerance=tolerances.FLOAT64)
    assert [type(component).__name__ for component in model.components] == [
        "Dropout", "ReLU", "Dropout", "ReLU", "Linear"]


@pytest.fixture(scope="module")
def overfitting_result():
    """The experiment as the command runs it: 20 points, 1-300-300-1, 500 epochs of Adam (lr 1e-3)."""
    return overfitting.run(overfitting.make_data(seed=0), seed=0)


@pytest.mark.slow  # 500 epochs of two 1-300-300-1 nets in two frameworks: ~6 s
def test_dropout_ends_with_the_lower_test_loss_in_both_frameworks(overfitting_result):
    curves = overfitting_result.curves
    plain = curves["toyframe", "no dropout"]
    # Measured (seed 0): the plain net's training MSE ends at 0.014, far below the noise's 0.09, while
    # its test MSE climbs from 0.036 to 0.091; the dropout nets end at 0.072 (toyframe), 0.065 (torch).
    assert plain.train_loss[-1] < 0.03
    assert plain.test_loss[-1] > 2 * min(plain.test_loss)
    for framework in overfitting.FRAMEWORKS:
        assert curves[framework, "dropout 0.5"].test_loss[-1] < 0.85 * curves[framework, "no dropout"].test_loss[-1]


def test_overfitting_command_prints_its_table_and_writes_its_figure(tmp_path, capsys):
    out = tmp_path / "overfitting.png"
    assert overfitting.main(["--epochs", "30", "--hidden", "20", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    lines = table_lines(capsys.readouterr(), "Overfitting 20 noisy points: final losses after 30 epochs")
    result = overfitting.run(overfitting.make_data(seed=3), hidden=20, epochs=30, seed=3)
    printed = [line.split() for line in lines[3:7]]
    for row, expected in zip(printed, overfitting.table_rows(result), strict=True):
        assert " ".join(row[:-4]) == f"{expected[0]} {expected[1]}"
        assert row[-4:] == [f"{value:.4f}" for value in expected[2:]]
    assert_png_of(out, overfitting.plot(result))


def test_overfitting_refuses_a_learning_rate_that_is_not_positive(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        overfitting.main(["--lr", "0", "--out", str(tmp_path / "never.png")])
    assert exit_info.value.code == 2
    assert "--lr: lr must be finite and > 0, got 0.0" in capsys.readouterr().err
    assert not (tmp_path / "never.png").exists()


def test_model_adam_is_toyframe_optim_adam_on_every_weight_and_bias():
    torch.manual_seed(1)
    net = overfitting.torch_net(0.0, hidden=5)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    model = overfitting.toyframe_net_like(net, 0.0)
    ours = overfitting.ModelAdam(model, 0.01)
    data = overfitting.make_data(n=6, seed=1)
    loss = overfitting.MSELoss()
    for step in range(6):
        loss(model(data["x"]), data["y_train"])
        ours.step(model.backward(loss.grad()))
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(net(torch.from_numpy(data["x"])), torch.from_numpy(data["y_train"])).backward()
        optimizer.step()
    linear_layers = [module for module in net if isinstance(module, torch.nn.Linear)]
    for index, (layer, module) in enumerate(zip([c for c in model.components if c.get_type() == "layer"],
                                                linear_layers)):
        assert_close(layer.weights, module.weight.detach().numpy().T, quantity=f"weights of layer {index} after 6 steps",
                     tolerance=tolerances.FLOAT64)
        assert_close(layer.bias, module.bias.detach().numpy()[None], quantity=f"bias of layer {index} after 6 steps",
                     tolerance=tolerances.FLOAT64)


# --------------------------------------------------------------------------- (d) vanilla vs inverted

@given(h=st.integers(1, 9).flatmap(lambda k: bounded((k,), 3.0)), keep=KEEPS,
       next_layer=st.integers(1, 3).flatmap(lambda c: st.tuples(bounded((9, c), 2.0), bounded((c,), 1.0))))
def test_vanilla_and_inverted_dropout_have_the_test_output_as_their_exact_expectation(h, keep, next_layer):
    W2, b2 = next_layer
    W2 = W2[:h.size]
    for name, scheme in vanilla.SCHEMES.items():
        expected = scheme.test(h, keep)
        assert_close(vanilla.exact_expectation(scheme, h, keep), expected,
                     quantity=f"E[{name} training output] over every mask", tolerance=tolerances.FLOAT64)
        # Linear in the mask, so the next layer's pre-activation keeps the property
        linear = vanilla.Scheme(lambda h, mask, keep, train=scheme.train: train(h, mask, keep) @ W2 + b2, None)
        assert_close(vanilla.exact_expectation(linear, h, keep), expected @ W2 + b2,
                     quantity=f"E[next layer's pre-activation] under {name} dropout", tolerance=tolerances.FLOAT64)


@pytest.mark.parametrize("wrong, name", [
    (vanilla.MIXED, "vanilla training, no keep factor at test time"),
    (vanilla.Scheme(lambda h, mask, keep: h * mask, vanilla.inverted_test), "inverted without the 1 / keep"),
    (vanilla.Scheme(vanilla.inverted_train, vanilla.vanilla_test), "inverted training, scaled again at test time"),
])
def test_a_scheme_that_scales_at_the_wrong_time_is_caught(wrong, name):
    h = np.array([0.5, 1.5, 2.0, 0.25])
    with pytest.raises(AssertionError, match="not close"):
        assert_close(vanilla.exact_expectation(wrong, h, 0.7), wrong.test(h, 0.7), quantity=name,
                     tolerance=tolerances.FLOAT64)


@given(keep=KEEPS, seed=st.integers(0, 2 ** 32 - 1))
def test_toyframe_functional_dropout_is_the_inverted_scheme(keep, seed):
    h = np.linspace(0.1, 2.0, 12).reshape(3, 4)
    out, _ = dropout_forward(h, {"p": keep, "mode": "train", "seed": seed})
    assert_close(out, vanilla.inverted_train(h, out != 0, keep), quantity="training output against h * mask / keep",
                 tolerance=tolerances.FLOAT64)
    test_out, _ = dropout_forward(h, {"p": keep, "mode": "test"})
    assert_identical(test_out, vanilla.inverted_test(h, keep), "test-time output")


@pytest.fixture(scope="module")
def vanilla_result():
    return vanilla.run(keep=0.7, samples=1500, seed=4)


def test_sampled_means_agree_with_the_test_output_and_the_mixed_scheme_does_not(vanilla_result):
    for name in vanilla.SCHEMES:
        # Within Hoeffding's radius (false alarm 1e-12 per output) on every hidden output
        assert vanilla_result.worst_deviation(name) <= 1.0, name
        statistics.assert_mean_near(vanilla_result.ratio(name), 1.0, f"{name}: sum of means / sum of test outputs",
                                    width=1.0 / 0.7)
    # The mixed scheme's test outputs are 1 / keep too large: its means sit at keep times them
    assert vanilla_result.worst_deviation(vanilla.MIXED_NAME) > 1.0  # measured 3.4
    assert abs(vanilla_result.ratio(vanilla.MIXED_NAME) - 0.7) < 0.02


@given(h=bounded((6,), 2.0), keep=KEEPS, W2=bounded((6, 3), 2.0), b2=bounded((3,), 1.0))
def test_after_a_further_relu_the_rule_is_only_a_lower_bound(h, keep, W2, b2):
    # Jensen: E[relu(z)] >= relu(E[z]) = relu(test-time z): the rule is exact only up to the nonlinearity
    for name, scheme in vanilla.SCHEMES.items():
        through_relu = vanilla.Scheme(lambda h, mask, keep, train=scheme.train: np.maximum(train(h, mask, keep) @ W2 + b2, 0),
                                      None)
        at_test_time = np.maximum(scheme.test(h, keep) @ W2 + b2, 0)
        expectation = vanilla.exact_expectation(through_relu, h, keep)
        # >= up to rounding: the float64 policy's absolute tolerance at the scale of the expectation
        assert (expectation - at_test_time).min() >= -tolerances.FLOAT64.atol_for(expectation), name


def test_after_a_further_relu_the_gap_shows_where_z_is_near_zero(vanilla_result):
    for name in vanilla.SCHEMES:
        gap = vanilla_result.relu_mean[name] - vanilla_result.relu_test[name]
        assert gap.max() > 0.05, name  # measured 0.12 and 0.16, against a sampling radius of about 0.02


def test_vanilla_command_prints_its_table_and_writes_its_figure(tmp_path, capsys, vanilla_result):
    out = tmp_path / "vanilla.png"
    assert vanilla.main(["--keep", "0.7", "--samples", "1500", "--seed", "4", "--out", str(out), "--quiet"]) == 0
    lines = table_lines(capsys.readouterr(), "Mean training-time output against test-time output, keep 0.7")
    assert [line.split()[0] for line in lines[3:6]] == ["vanilla", "inverted", "vanilla,"]
    for line, expected in zip(lines[3:6], vanilla.table_rows(vanilla_result)):
        assert line.split()[-5:] == [f"{value:.4f}" for value in expected[1:]]
    assert_png_of(out, vanilla.plot(vanilla_result))


@pytest.mark.parametrize("keep", [0.0, 1.0, -0.2, 1.5])
def test_vanilla_refuses_a_keep_outside_the_open_unit_interval(keep, capsys):
    with pytest.raises(ValueError, match=r"keep must be in \(0, 1\)"):
        vanilla.run(keep=keep)
    with pytest.raises(SystemExit):
        vanilla.main(["--keep", str(keep)])
    assert "--keep must be in (0, 1)" in capsys.readouterr().err


# --------------------------------------------------------------------------- the command and the shared report

def test_the_command_lists_the_experiments_and_refuses_unknown_names(capsys):
    assert experiment_command([]) == 2
    assert "regularization" in capsys.readouterr().out
    assert experiment_command(["--help"]) == 0
    assert experiment_command(["nope"]) == 2
    assert "unknown experiment 'nope'" in capsys.readouterr().err


def test_the_command_dispatches_to_an_experiment(tmp_path, capsys):
    out = tmp_path / "v.png"
    assert experiment_command(["vanilla-vs-inverted", "--samples", "50", "--out", str(out), "--quiet"]) == 0
    assert out.is_file() and "vanilla" in capsys.readouterr().out


def test_a_missing_optional_dependency_is_named_with_the_extra_to_install():
    # A fresh interpreter in which matplotlib cannot be imported: an install without the extra
    program = ("import sys; sys.modules['matplotlib'] = None; "
               "from toyframe.experiments.__main__ import main; sys.exit(main(['xor']))")
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2, completed.stderr
    assert "xor needs matplotlib, from the experiments extra" in completed.stderr


def test_the_console_script_is_installed():
    # The entry point of pyproject.toml, next to this interpreter (the project is installed in it)
    script = f"{sys.prefix}/bin/toyframe-experiment"
    completed = subprocess.run([script], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and "toyframe-experiment NAME" in completed.stdout


def test_progress_lines_go_to_stderr_and_quiet_silences_them():
    stream = io.StringIO()
    _report.Progress("demo", stream=stream)("step 1")
    _report.Progress("demo", quiet=True, stream=stream)("never")
    assert stream.getvalue() == "[demo] step 1\n"


def test_the_table_aligns_columns_and_formats_floats():
    text = _report.format_table(("name", "value"), [("a", 0.5), ("longer", 12.0)])
    assert text.splitlines() == ["  name    value", "------  -------", "     a   0.5000", "longer  12.0000"]


def test_a_figure_path_must_end_in_png(tmp_path):
    figure, _ = _report.new_figure(1)
    with pytest.raises(ValueError, match="must end in .png"):
        _report.save_figure(figure, tmp_path / "figure.pdf")


def test_one_thread_restores_torch_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with _report.one_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
