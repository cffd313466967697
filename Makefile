# Everything a developer or CI runs. Each target sets up what it needs itself, so on a bare
# machine `make demo` and `make test` are the whole set-up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n 2  # pytest-xdist: the TensorFlow runs take turns on 2 cores

.PHONY: demo test test-fast lint bench bench-quick bench-images bench-text bench-sequences clean

# A venv with outhead installed (editable) and the light dependencies only.
$(BIN)/outhead: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The same venv with TensorFlow and the test tools.
$(VENV)/.dev: $(BIN)/outhead
	$(BIN)/python -m pip install --quiet -e '.[tf,dev]'
	touch $@

## demo: install outhead and run it on the sample data
demo: $(BIN)/outhead
	$(BIN)/outhead inspect sample_data/noble_gas.csv
	$(BIN)/outhead inspect sample_data/noble_gas_presence.csv
	$(BIN)/outhead scaffold sample_data/noble_gas.csv --features sample_data/gas_features.csv --out outhead_run/train.py --force
	$(BIN)/outhead check sample_data/noble_gas_onehot.csv --units 6 --activation softmax --loss sparse_categorical_crossentropy || test $$? -eq 1

## test: install outhead with TensorFlow and run the whole suite, slow tests included
test: $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-fast: the suite without the slow (TensorFlow, wheel) tests
test-fast: $(VENV)/.dev
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check outhead tests benchmarks sample_data
	$(BIN)/mypy outhead

## bench: the figures of benchmarks/README.md (large files, minutes); bench-quick: small sizes
bench: $(BIN)/outhead
	$(BIN)/python benchmarks/run.py

bench-quick: $(BIN)/outhead
	$(BIN)/python benchmarks/run.py --quick

## bench-images: time per epoch of the image scripts against plain Keras (needs outhead[tf])
bench-images: $(VENV)/.dev
	$(BIN)/python benchmarks/images.py

## bench-text: time per epoch of the free-text script against plain Keras (needs outhead[tf])
bench-text: $(VENV)/.dev
	$(BIN)/python benchmarks/text.py

## bench-sequences: time per epoch of the --sequence script against hand-written Keras Conv1D
bench-sequences: $(VENV)/.dev
	$(BIN)/python benchmarks/sequences.py

clean:
	rm -rf $(VENV) dist build outhead_run .pytest_cache .ruff_cache .mypy_cache
