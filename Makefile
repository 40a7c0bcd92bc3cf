# Every target builds .venv first, so a fresh clone needs nothing but `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo reproduce studies test test-fast test-portable test-outcomes-portable bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m atdt.demo

# the paper's Tab. 1-2 on the embedded world -> docs/results.md; rerun to resume after a kill
reproduce: $(STAMP)
	$(BIN)/atdt study reproduce

# the paper's other tables and studies (Tab. 3-6, Fig. 4, supp. Tab. 3-5, normals), our ablation of
# the training aids, the thin-class sweep and multi-scale transfer, one after the other -> docs/studies/<study>.md, charts in
# docs/studies/<study>/ (docs/studies.md); rerun to resume
STUDIES := cyclegan no_transfer shared_n1 separate_encoders transfer_level tasks batch_norm auxiliary thin_classes multiscale
studies: $(STAMP)
	for study in $(STUDIES); do $(BIN)/atdt study $$study --doc docs/studies/$$study.md || exit 1; done

# the suite on TEST_WORKERS pytest processes, one thread each (tests/conftest.py), whole files per
# process; CI's machines have 2 cores; TEST_WORKERS=0 runs it in one process on every core
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile
test: $(STAMP)
	$(PYTEST)

test-fast: $(STAMP)
	$(PYTEST) -m "not slow"

# the suite on other floating-point paths: one thread, oneDNN and ATen held to AVX2 kernels
PORTABLE := OMP_NUM_THREADS=1 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2
test-portable: $(STAMP)
	$(PORTABLE) $(PYTEST)

# only the tests that assert what training achieved (marker training_outcome), that way (CI runs them after make test)
test-outcomes-portable: $(STAMP)
	$(PORTABLE) $(PYTEST) -m training_outcome

bench: $(STAMP)
	$(BIN)/python benchmarks/world_speed.py
	$(BIN)/python benchmarks/train_step.py

clean:
	rm -rf $(VENV) runs data/world build *.egg-info src/*.egg-info
