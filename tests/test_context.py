"""Context from the paste: the seeds' set-ups, the attach rules, and safety."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logsense.context import ContextBlock, apply_overrides, attach_to_runs, extract_context
from logsense.context.vocab import tidy_float
from logsense.log import Run

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def runs_at(*lines: int) -> list[Run]:
    return [Run(index=i, meta={"start_line": line}) for i, line in enumerate(lines)]


def attach(prefix: str, *starts: int) -> tuple[list[Run], dict]:
    runs = runs_at(*starts)
    log_ctx = attach_to_runs(runs, extract_context(seed(prefix)))
    return runs, log_ctx


def dense(ctx: dict) -> list[dict]:
    return [l for l in ctx["layers"] if l["type"] == "Dense"]


# -- the seeds --------------------------------------------------------------------

def test_seed000_graph_model_and_the_l2_off_rerun():
    (run0, run1), log_ctx = attach("000", 60, 70)
    for ctx in (run0.context, run1.context):
        assert ctx["optimizer"] == "rmsprop"
        assert ctx["lr"] == 0.001 and ctx["lr_source"] == "default"
        assert ctx["loss"] == "mse"
        assert ctx["initializer"] == "glorot_uniform"
        assert ctx["validation_split"] == 0.25 and ctx["epochs"] == 3
        assert ctx["output_activation"] == "sigmoid"
        fans = [(l["input_dim"], l["units"]) for l in dense(ctx)]
        assert fans == [(6000, 512), (6000, 512), (1024, 256), (256, 1)]
        assert dense(ctx)[2]["inputs"] == ["dense_X1", "dense_X2"]
    assert run0.context["l2"] == 1e-3
    assert [l["regularizers"]["kernel"]["l2"] for l in dense(run0.context)] == [1e-3] * 4
    # "this bug is not active if we change l2_lambda to be 0" re-reads the model with lambda = 0
    assert run1.context["l2"] == 0
    assert [l["regularizers"]["kernel"]["l2"] for l in dense(run1.context)] == [0] * 4
    assert run1.context["variables"]["l2_lambda"] == 0 and run0.context["variables"]["l2_lambda"] == 1e-3
    assert "inputs_scaled" not in run0.context  # Y /= Y.max() scales the target, not the inputs
    json.dumps(log_ctx)


def test_seed001_regression_net_without_a_log():
    _, ctx = attach("001")
    assert ctx["output_activation"] == "sigmoid"
    assert ctx["loss"] == "mse"  # from the comment "compile with mse"
    assert ctx["initializer"] == "he_normal"  # from the prose
    assert ctx["keras_version"] == "0.3.0"
    types = [l["type"] for l in ctx["layers"]]
    assert "BatchNormalization" in types
    # the for-loops are unrolled: five conv blocks, two dense blocks, one output layer
    assert types.count("Convolution2D") == 5 and types.count("Dense") == 3


def test_seed002_json_config_of_stateful_lstms():
    (run,), log_ctx = attach("002", 127)
    ctx = run.context
    lstms = [l for l in ctx["layers"] if l["type"] == "LSTM"]
    assert [l["units"] for l in lstms] == [20, 20]
    for layer in lstms:
        assert layer["stateful"] is True
        assert layer["regularizers"] == {slot: {"l1": 0.0, "l2": 0.01} for slot in ("kernel", "recurrent", "bias")}
        assert layer["dropout"] == 0.2 and layer["recurrent_dropout"] == 0.2
        assert layer["initializer"] == "glorot_uniform" and layer["recurrent_initializer"] == "orthogonal"
    assert [l["input_dim"] for l in lstms] == [7, 20]
    assert ctx["batch_size"] == 2048 and ctx["input_shape"] == [400, 7]
    assert ctx["l2"] == 0.01 and ctx["dropout"] == 0.2 and ctx["stateful"] is True
    assert ctx["output_activation"] == "sigmoid" and ctx["initializer"] == "glorot_uniform"
    assert dense(ctx) == [l for l in ctx["layers"] if l["type"] == "Dense"] and dense(ctx)[0]["units"] == 1
    assert log_ctx["l2"] == 0.01


def test_seed003_scalar_model_two_runs():
    (run0, run1), log_ctx = attach("003", 53, 77)
    for ctx, n in ((run0.context, 10), (run1.context, 20)):
        assert ctx["optimizer"] == "sgd" and ctx["lr"] == 0.01 and ctx["lr_source"] == "default"
        assert ctx["loss"] == "mse" and ctx["epochs"] == 10
        assert ctx["batch_size"] == 32 and ctx["batch_size_source"] == "default"
        assert ctx["initializer"] == "glorot_uniform"
        data = ctx["data"]
        assert data["x_expr"] == f"np.arange({n})"
        assert data["x_values"] == [float(i) for i in range(n)]
        assert data["y_scale"] == 2.0 and data["n_samples"] == n
        (custom,) = [l for l in ctx["layers"] if l["type"] == "MultiplicationLayer"]
        assert custom["weights"] == [{"name": "multiplicand", "shape": [1], "initializer": "glorot_uniform"}]
        assert custom["params"] == 1
    # the answer's suggestions (Adam(lr=0.1), SGD(lr = 0.001)) come after the logs: no run sees them,
    # and the log-level context keeps what the runs used
    assert log_ctx["optimizer"] == "sgd" and log_ctx["lr"] == 0.01


def test_seed004_mnist_sigmoid_and_the_prose_learning_rate():
    (run0, run1), log_ctx = attach("004", 22, 45)
    for ctx in (run0.context, run1.context):
        assert ctx["optimizer"] == "sgd"
        assert ctx["loss"] == "categorical_crossentropy"
        assert ctx["output_activation"] == "sigmoid"
        assert ctx["batch_size"] == 32 and ctx["epochs"] == 10
        assert ctx["input_shape"] == [28, 28]
        assert dense(ctx)[0]["units"] == 10 and dense(ctx)[0]["input_dim"] == 784
        assert ctx["dataset"]["name"] == "mnist" and ctx["dataset"]["n_train"] == 60000
        assert ctx["inputs_scaled"] is False
        assert ctx["validation_data"] is True and ctx["metrics"] == ["accuracy"]
    assert run0.context["lr"] == 0.01 and run0.context["lr_source"] == "code"
    assert run1.context["lr"] == 0.03 and run1.context["lr_source"] == "prose"
    # the answer's Dense(10, activation='softmax') is a suggestion, not the set-up that ran
    assert log_ctx["output_activation"] == "sigmoid"


@pytest.mark.parametrize("prefix,n_runs,key,expected", [
    ("000", 2, "l2", [1e-3, 0]),
    ("003", 2, "data", [10, 20]),
    ("004", 2, "lr", [0.01, 0.03]),
])
def test_through_parse(prefix, n_runs, key, expected):
    from logsense import parse
    log = parse(seed(prefix))
    assert len(log.runs) == n_runs
    got = [r.context[key] for r in log.runs]
    if key == "data":
        got = [d["n_samples"] for d in got]
    assert got == expected
    json.dumps(log.to_dict())


# -- attach rules -------------------------------------------------------------------

def test_later_blocks_override_and_defaults_fill_last():
    blocks = [
        ContextBlock(1, {"optimizer": "adam"}, "code", fit_call=True),
        ContextBlock(5, {"lr": 0.1, "lr_source": "prose"}, "prose"),
        ContextBlock(20, {"optimizer": "sgd"}, "code"),
    ]
    a, b, c = runs_at(3, 10, 30)
    c.meta.pop("start_line")  # no line: after everything
    attach_to_runs([a, b, c], blocks)
    assert a.context["lr"] == 0.001 and a.context["lr_source"] == "default" and a.context["batch_size"] == 32
    assert b.context["lr"] == 0.1 and b.context["lr_source"] == "prose"
    assert c.context["optimizer"] == "sgd" and c.context["lr"] == 0.1


def test_trailing_blocks_only_fill_gaps_of_the_log_context():
    blocks = [ContextBlock(1, {"optimizer": "sgd"}, "code"),
              ContextBlock(50, {"optimizer": "adam", "lr": 0.1, "momentum": 0.9}, "code")]
    (run,) = runs_at(10)
    log_ctx = attach_to_runs([run], blocks)
    assert run.context == {"optimizer": "sgd", "lr": 0.01, "lr_source": "default"}
    assert log_ctx["optimizer"] == "sgd" and log_ctx["lr"] == 0.01 and log_ctx["momentum"] == 0.9


def test_no_runs_gives_everything_with_defaults():
    ctx = attach_to_runs([], [ContextBlock(3, {"optimizer": "adadelta"}, "code")])
    assert ctx == {"optimizer": "adadelta", "lr": 1.0, "lr_source": "default"}


def test_keras_0_fit_default_batch_is_128():
    blocks = [ContextBlock(1, {"keras_version": "0.3.0"}, "prose"), ContextBlock(2, {}, "code", fit_call=True)]
    assert attach_to_runs([], blocks)["batch_size"] == 128


def test_overrides_mark_their_source():
    ctx = {"optimizer": "sgd", "lr": 0.01, "lr_source": "default"}
    assert apply_overrides(ctx, {"lr": 0.5})["lr_source"] == "override"
    swapped = apply_overrides(ctx, {"optimizer": "adam"})
    assert swapped["lr"] == 0.001 and swapped["lr_source"] == "default"
    assert apply_overrides(ctx, {"batch_size": 8, "lr": None})["lr"] == 0.01


# -- code reading -------------------------------------------------------------------

def test_code_interrupted_by_prose_and_console_output():
    text = """I build it like this
model = Sequential()
model.add(Dense(64, input_dim=100, activation='relu', kernel_regularizer=regularizers.l2(0.002)))
and then, after some thinking, I added
    model.add(Dropout(0.5))
    model.add(Dense(3, activation='softmax',
                    kernel_initializer='he_normal'))
>>> something printed
opt = keras.optimizers.Adam(learning_rate=3e-4, clipnorm=1.0)
model.compile(loss=keras.losses.CategoricalCrossentropy(), optimizer=opt)
model.fit(x, y, 64, 7)
"""
    (run,) = runs_at(100)
    attach_to_runs([run], extract_context(text))
    ctx = run.context
    assert [l["type"] for l in ctx["layers"]] == ["Dense", "Dropout", "Dense"]
    assert ctx["layers"][2]["input_dim"] == 64 and ctx["layers"][2]["initializer"] == "he_normal"
    assert ctx["l2"] == 0.002 and ctx["dropout"] == 0.5 and ctx["output_activation"] == "softmax"
    assert ctx["optimizer"] == "adam" and ctx["lr"] == 3e-4 and ctx["lr_source"] == "code"
    assert ctx["clipnorm"] == 1.0 and ctx["loss"] == "categorical_crossentropy"
    assert ctx["batch_size"] == 64 and ctx["epochs"] == 7


def test_functional_model_and_scaled_mnist():
    text = """from keras.datasets import mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = x_train.reshape(60000, 784).astype('float32') / 255
inp = Input(shape=(784,))
h = Dense(32, activation=tf.nn.relu)(inp)
out = Dense(10, activation='softmax')(h)
model = Model(inp, out)
model.compile('adam', 'sparse_categorical_crossentropy')
model.fit(x_train, y_train, epochs=2)
"""
    ctx = attach_to_runs([], extract_context(text))
    assert ctx["dataset"]["name"] == "mnist" and ctx["inputs_scaled"] is True
    assert [(l.get("input_dim"), l.get("units")) for l in dense(ctx)] == [(784, 32), (32, 10)]
    assert dense(ctx)[0]["activation"] == "relu"
    assert ctx["loss"] == "sparse_categorical_crossentropy" and ctx["optimizer"] == "adam"


def test_fragments_inside_sentences():
    ctx = attach_to_runs([], extract_context("Then I tried model.compile(optimizer=RMSprop(lr=0.0005), loss='mae') and it got worse."))
    assert ctx["optimizer"] == "rmsprop" and ctx["lr"] == 0.0005 and ctx["loss"] == "mae"


def test_pasted_code_is_never_executed(tmp_path):
    marks = [tmp_path / f"pwned{i}" for i in range(7)]
    text = f"""Here is my script:
import subprocess, os
__import__('os').system('touch {marks[0]}')
eval("__import__('os').system('touch {marks[1]}')")
exec("open('{marks[2]}', 'w').write('x')")
open('{marks[3]}', 'w').write('x')
subprocess.run(['touch', '{marks[4]}'])
model = Sequential()
model.add(Dense(64, input_dim=__import__('os').system('touch {marks[5]}'), activation='relu'))
model.add(Dense(1, activation=eval('"sigmoid"')))
model.compile(optimizer=SGD(lr=0.05), loss='binary_crossentropy')
model.fit(X, y, epochs=5, batch_size=16, callbacks=[os.system('touch {marks[6]}')])
x = np.arange(10**12)
y = 9**9**9**9
"""
    ctx = attach_to_runs([], extract_context(text))
    assert not any(m.exists() for m in marks)
    assert ctx["optimizer"] == "sgd" and ctx["lr"] == 0.05 and ctx["loss"] == "binary_crossentropy"
    assert ctx["batch_size"] == 16 and [l["units"] for l in ctx["layers"]] == [64, 1]
    assert "input_dim" not in ctx["layers"][0]
    assert "output_activation" not in ctx  # eval(...) is not read, and not guessed as linear


# -- configs, summaries, prose ------------------------------------------------------

def test_keras3_json_config_with_class_regularizers():
    text = """my model.to_json():
{"class_name": "Sequential", "config": {"name": "sequential", "layers": [
  {"class_name": "InputLayer", "config": {"batch_shape": [null, 13], "name": "input_layer"}},
  {"class_name": "Dense", "config": {"name": "dense", "units": 8, "activation": "relu",
     "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": null}},
     "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.0010000000474974513}}}},
  {"class_name": "Dense", "config": {"name": "dense_1", "units": 1, "activation": "linear",
     "kernel_initializer": {"class_name": "HeNormal", "config": {}}}}]}}
thanks
"""
    ctx = attach_to_runs([], extract_context(text))
    assert [(l["input_dim"], l["units"]) for l in dense(ctx)] == [(13, 8), (8, 1)]
    assert dense(ctx)[0]["regularizers"] == {"kernel": {"l2": 0.001}}
    assert ctx["initializer"] == "he_normal" and ctx["output_activation"] == "linear"


@pytest.mark.parametrize("table", [
    """Layer (type)                 Output Shape              Param #
=================================================================
dense_1 (Dense)              (None, 512)               401920
_________________________________________________________________
dropout_1 (Dropout)          (None, 512)               0
_________________________________________________________________
dense_2 (Dense)              (None, 10)                5130
=================================================================
Total params: 407,050
""",
    """┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 512)            │       401,920 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 512)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │         5,130 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 407,050 (1.55 MB)
"""])
def test_model_summary_tables(table):
    (block,) = [b for b in extract_context(table) if b.source == "summary"]
    layers = block.values["layers"]
    assert [(l["type"], l.get("units"), l["params"]) for l in layers] == [
        ("Dense", 512, 401920), ("Dropout", None, 0), ("Dense", 10, 5130)]
    assert layers[0]["input_dim"] == 784 and layers[2]["input_dim"] == 512
    assert block.values["total_params"] == 407050
    assert "output_activation" not in block.values  # a summary does not show activations


def test_prose_hints():
    text = """I use keras 2.2.4 with the Theano backend.
With a learning rate of 0.05 and batch size of 64 the loss explodes.
Here is the output when it is 0.5:
lr=0.001 is fine though.
A learning rate 1e-4 converges, a learning rate 10 times smaller does not.
"""
    blocks = extract_context(text)
    by_line = {b.line: b.values for b in blocks}
    assert by_line[1] == {"keras_version": "2.2.4", "backend": "theano"}
    assert by_line[2]["lr"] == 0.05 and by_line[2]["batch_size"] == 64
    assert by_line[3]["lr"] == 0.5
    assert any(b.values.get("lr") == 0.001 for b in blocks if b.line == 4)
    assert by_line[5]["lr"] == 1e-4


def test_console_lines_are_not_prose_hints():
    text = "Epoch 3/10\n100/100 [====] - 1s - loss: 0.2 - lr: 0.0010\nlearning_rate: 0.5 - loss: 0.1 - val_loss: 0.2\n"
    assert all("lr" not in b.values for b in extract_context(text))


def test_float32_artefacts_are_rounded_but_float64_values_kept():
    assert tidy_float(0.009999999776482582) == 0.01
    assert tidy_float(0.2) == 0.2
    assert tidy_float(0.30000001192092896) == 0.3
    assert tidy_float(1 / 3) == 1 / 3


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("model.add(Dense(1, activation='relu'))\n{}[]=#: lr0.5\t\"") + ["é", "大"]),
               max_size=400))
def test_any_text_gives_jsonable_context(text):
    blocks = extract_context(text)
    ctx = attach_to_runs(runs_at(len(text) // 80 + 1), blocks)
    json.dumps(ctx, allow_nan=False)
    assert all(isinstance(b.line, int) and b.line >= 1 for b in blocks)
    assert all(not (isinstance(v, float) and math.isnan(v)) for v in ctx.values())


# -- real Keras output (fixtures/context/make_fixtures.py) ----------------------------

REAL = SEEDS.parent / "context"


@pytest.mark.parametrize("framework", ["keras3", "tfkeras"])
def test_real_to_json_configs(framework):
    seq = attach_to_runs([], extract_context((REAL / f"{framework}_sequential.json").read_text()))
    assert [(l["input_dim"], l["units"], l["params"]) for l in dense(seq)] == [(784, 64, 50240), (64, 10, 650)]
    assert all(l["regularizers"] == {"kernel": {"l2": 0.001}} for l in dense(seq))
    assert seq["initializer"] == "he_normal" and seq["dropout"] == 0.3
    assert seq["output_activation"] == "softmax" and seq["input_shape"] == [784]

    lstm = attach_to_runs([], extract_context((REAL / f"{framework}_lstm.json").read_text()))
    first, second = [l for l in lstm["layers"] if l["type"] == "LSTM"]
    # tf.keras stores 0.01 as the float32 0.009999999776482582; both read as 0.01
    assert first["regularizers"] == {s: {"l2": 0.01} for s in ("kernel", "recurrent", "bias")}
    assert "regularizers" not in second
    assert (first["input_dim"], second["input_dim"]) == (7, 20)
    assert lstm["stateful"] is True and lstm["batch_size"] == 32 and lstm["input_shape"] == [400, 7]
    assert lstm["l2"] == 0.01 and lstm["dropout"] == 0.2 and lstm["output_activation"] == "sigmoid"


@pytest.mark.parametrize("framework", ["keras3", "tfkeras"])
def test_real_summaries(framework):
    (seq,) = [b.values for b in extract_context((REAL / f"{framework}_sequential_summary.txt").read_text())]
    assert [(l["type"], l.get("input_dim"), l.get("units")) for l in seq["layers"]] == [
        ("Dense", 784, 64), ("Dropout", None, None), ("Dense", 64, 10)]
    assert seq["total_params"] == 50890
    (lstm,) = [b.values for b in extract_context((REAL / f"{framework}_lstm_summary.txt").read_text())]
    assert [(l["type"], l.get("input_dim"), l["params"]) for l in lstm["layers"]] == [
        ("LSTM", 7, 2240), ("LSTM", 20, 3280), ("Dense", 20, 21)]


# -- layout of the paste ---------------------------------------------------------------

def test_functional_branches_prompts_and_carriage_returns():
    text = ("Epoch 1/1\r1/1 [====] - loss: 1.0\r\n"
            ">>> inp_a = Input(shape=(10,))\n"
            ">>> inp_b = keras.Input(shape=(6,))\n"
            ">>> a = Dense(8, activation='relu')(inp_a)\n"
            ">>> b = Dense(4)(inp_b)\n"
            ">>> out = Dense(1, activation='sigmoid')(concatenate([a, b]))\n"
            ">>> model = Model([inp_a, inp_b], out)\n")
    blocks = extract_context(text)
    assert blocks[0].line == 2  # "\r" does not start a line
    ctx = attach_to_runs([], blocks)
    assert [(l["input_dim"], l["units"]) for l in dense(ctx)] == [(10, 8), (6, 4), (12, 1)]
    assert ctx["output_activation"] == "sigmoid"


def test_code_after_the_only_log_still_describes_it():
    text = """My loss goes up:
Epoch 1/2
4/4 [====] - 0s - loss: 5.0
Epoch 2/2
4/4 [====] - 0s - loss: 9.0
Here is my code:
model.compile(optimizer=SGD(lr=0.5, momentum=0.9), loss='mse')
model.fit(x, y, epochs=2, callbacks=[EarlyStopping(patience=3)])
"""
    (run,) = runs_at(2)
    attach_to_runs([run], extract_context(text))
    assert run.context["optimizer"] == "sgd" and run.context["lr"] == 0.5 and run.context["lr_source"] == "code"
    assert run.context["momentum"] == 0.9 and run.context["callbacks"] == ["EarlyStopping"]


def test_code_after_a_run_with_its_own_code_does_not_leak_into_it():
    blocks = [ContextBlock(1, {"optimizer": "sgd"}, "code"),
              ContextBlock(20, {"optimizer": "adam", "clipnorm": 1.0}, "code")]
    (run,) = runs_at(10)
    attach_to_runs([run], blocks)
    assert "clipnorm" not in run.context and run.context["optimizer"] == "sgd"


def test_a_runaway_loop_does_not_hide_the_model_after_it():
    text = "\n".join([
        "for a in range(16):",
        "    for b in range(16):",
        "        for c in range(16):",
        "            for d in range(16):",
        "                x = a + b",
        "model = Sequential()",
        "model.add(Dense(3, input_dim=4))",
        "model.compile(optimizer='adagrad', loss='mse')",
    ])
    ctx = attach_to_runs([], extract_context(text))
    assert ctx["optimizer"] == "adagrad" and ctx["lr"] == 0.01 and ctx["layers"][0]["params"] == 15


def test_values_printed_after_each_run_label_that_run():
    # a real Keras 3 capture of an lr sweep: "lr=0.001 final weight: ..." follows each run
    path = SEEDS.parent / "keras" / "keras3" / "scalar_sweep_multi" / "pasted.txt"
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    starts = [i + 1 for i, line in enumerate(lines)
              if line.startswith("Epoch 1/") and (i == 0 or not lines[i - 1].startswith("Epoch"))]
    runs = runs_at(*starts)
    attach_to_runs(runs, extract_context(text))
    assert [r.context["lr"] for r in runs] == [0.001, 0.005, 0.0081, 0.01]
    assert all(r.context["lr_source"] == "prose" for r in runs)


def test_values_before_each_run_stay_headers():
    blocks = [ContextBlock(1, {"lr": 0.1, "lr_source": "prose"}, "prose"),
              ContextBlock(15, {"lr": 0.2, "lr_source": "prose"}, "prose")]
    runs = runs_at(5, 20)
    attach_to_runs(runs, blocks)
    assert [r.context["lr"] for r in runs] == [0.1, 0.2]


MLP_POST = """Using TensorFlow backend.
I'm running the mnist mlp example:

    batch_size = 128
    num_classes = 10
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(60000, 784)
    x_train = x_train.astype('float32')
    x_train /= 255
    model = Sequential()
    model.add(Dense(512, activation='relu', input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes, activation='softmax'))
    model.summary()
    model.compile(loss='categorical_crossentropy',
                  optimizer=RMSprop(),
                  metrics=['accuracy'])
    history = model.fit(x_train, y_train,
                        batch_size=batch_size,
                        epochs=20,
                        validation_data=(x_test, y_test))
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
dense_1 (Dense)              (None, 512)               401920
_________________________________________________________________
dropout_1 (Dropout)          (None, 512)               0
_________________________________________________________________
dense_2 (Dense)              (None, 10)                5130
=================================================================
Total params: 407,050
_________________________________________________________________
Train on 60000 samples, validate on 10000 samples
Epoch 1/20
"""


def test_indented_script_with_its_summary():
    (run,) = runs_at(MLP_POST.split("\n").index("Epoch 1/20") + 1)
    attach_to_runs([run], extract_context(MLP_POST))
    ctx = run.context
    assert ctx["backend"] == "tensorflow" and ctx["dataset"]["name"] == "mnist"
    assert ctx["inputs_scaled"] is True and ctx["data"]["n_samples"] == 60000
    assert ctx["optimizer"] == "rmsprop" and ctx["lr"] == 0.001 and ctx["lr_source"] == "default"
    assert ctx["batch_size"] == 128 and ctx["epochs"] == 20 and ctx["validation_data"] is True
    # the summary adds names and counts to the code's layers without losing their activations
    assert [(l["name"], l.get("activation"), l["params"]) for l in ctx["layers"]] == [
        ("dense_1", "relu", 401920), ("dropout_1", None, 0), ("dense_2", "softmax", 5130)]
    assert ctx["output_activation"] == "softmax" and ctx["total_params"] == 407050


def test_a_bare_reassignment_after_the_log_reruns_the_model_code():
    text = "\n".join([
        "lam = 0.01",
        "model = Sequential()",
        "model.add(Dense(4, input_dim=3, kernel_regularizer=l2(lam)))",
        "model.compile('sgd', 'mse')",
        "Epoch 1/1",
        "then with",
        "lam = 0",
        "Epoch 1/1",
    ])
    runs = runs_at(5, 8)
    attach_to_runs(runs, extract_context(text))
    assert [r.context["l2"] for r in runs] == [0.01, 0]
    assert runs[1].context["layers"][0]["regularizers"] == {"kernel": {"l2": 0.0}}


def test_commented_out_code_is_not_the_set_up_but_a_remark_is():
    from logsense.context import extract_context

    def merged(text):
        out = {}
        for block in extract_context(text):
            out.update(block.values)
        return out

    code = ("model = Sequential()\nmodel.add(Dense(1, input_dim=35))\n"
            "#model.compile(loss='categorical_crossentropy', optimizer='rmsprop')\n"
            "model.compile(loss='mean_absolute_error', optimizer='sgd')  # lr = 0.001 worked better\n")
    ctx = merged(code)
    assert ctx["loss"] == "mae" and ctx["optimizer"] == "sgd" and ctx["lr"] == 0.001
    assert merged(code.replace("# lr = 0.001 worked better", "#lr = 0.001")).get("lr") != 0.001
