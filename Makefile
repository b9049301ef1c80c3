# make demo: set up and build the full package for the default data into output/
# make test: set up and run the whole test suite
# make serve: the intake portal on 127.0.0.1:8000 with the default data (demo accounts printed once)
# make lock: refresh requirements.lock (exact versions with hashes) from the ranges in setup.cfg
# The interpreter .venv is made from (only when it is made): PYTHON when given (`make PYTHON=/usr/bin/python3.11`),
# else the fastest CPython of python3's version on PATH (tools/fastest_python.py says why: the same version builds
# the package 13 % faster when built with PGO and LTO), else python3.
PYTHON ?=
PICK_PYTHON := $$(python3 tools/fastest_python.py 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA := data/social-support-vologda
LOCK_ARGS := --quiet --extra test --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links --output-file requirements.lock setup.cfg requirements-build.in

PORTAL_TODAY ?= 2021-04-05

.PHONY: demo test bench fuzz lock clean serve catalogs

# Message catalogs (generator/i18n.py): the .po files are the source, compiled here, never kept in git.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard generator/locale/*/LC_MESSAGES/*.po))
catalogs: $(CATALOGS)
%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

# The environment is exactly requirements.lock (hash-checked), then gosprog itself without resolving anything.
$(STAMP): requirements.lock setup.cfg setup.py pyproject.toml
	test -x $(BIN)/python || $(or $(PYTHON),$(PICK_PYTHON)) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP) $(CATALOGS)
	$(BIN)/gosprog validate $(DATA)
	$(BIN)/gosprog build $(DATA) --out output
	$(BIN)/gosprog quarterly demo --data $(DATA) --year 2021 --out output
	$(BIN)/gosprog annual $(DATA) --year 2021 --out output
	$(BIN)/gosprog diff $(DATA)/editions/2021-08-17-sample $(DATA) --out output

serve: $(STAMP) $(CATALOGS)
	GOSPROG_TODAY=$${GOSPROG_TODAY:-$(PORTAL_TODAY)} $(BIN)/gosprog serve $(DATA) --demo-accounts --host 127.0.0.1 --port 8000

# The suite runs in one process per core (pytest-xdist). A test file is one unit of work kept in one process (its
# module fixtures, such as a built package, are made once), the costliest files first as tests/conftest.py orders
# them (--no-loadscope-reorder: xdist's own order puts files with many tests first). PYTEST_ARGS overrides it.
PYTEST_ARGS ?= -n auto --dist loadfile --no-loadscope-reorder

# gosprog's own modules byte-compiled first, as an installed wheel's are: the suite starts hundreds of Python
# processes, and where PYTHONDONTWRITEBYTECODE is set (CI images) each would compile them again from source.
test: $(STAMP) $(CATALOGS)
	$(BIN)/python -m compileall -q generator tests
	GOSPROG_LOCKED=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# make bench: benchmarks (about 10 minutes; `$(BIN)/python bench/run.py --quick` for a smoke run)
bench: $(STAMP) $(CATALOGS)
	$(BIN)/python bench/run.py

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_properties.py -q

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile $(LOCK_ARGS)

clean:
	rm -rf $(VENV) output/*/
