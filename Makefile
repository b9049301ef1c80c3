# make demo: set up and build the full package for the default data into output/
# make test: set up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA := data/social-support-vologda

.PHONY: demo test bench fuzz clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gosprog validate $(DATA) || true
	$(BIN)/gosprog build $(DATA) --out output
	$(BIN)/gosprog quarterly demo --data $(DATA) --year 2021 --out output
	$(BIN)/gosprog annual $(DATA) --year 2021 --out output
	$(BIN)/gosprog diff $(DATA)/editions/2021-08-17-sample $(DATA) --out output

test: $(STAMP)
	$(BIN)/python -m pytest

# make bench: benchmarks (about 10 minutes; `$(BIN)/python bench/run.py --quick` for a smoke run)
bench: $(STAMP)
	$(BIN)/python bench/run.py

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_properties.py -q

clean:
	rm -rf $(VENV) output/*/
