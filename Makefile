# Two commands matter: `make run` (set up and start the product) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup pipeline model run run-scaled test test-fast validate lint format clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## Create .venv with Python 3.10 and install the locked dependencies
	@scripts/bootstrap.sh

pipeline: setup ## Build the spaCy pipeline from the lexicon (when it changed)
	@$(BIN)/bot build-pipeline

model: pipeline ## Train the Rasa model when the data changed
	@$(BIN)/bot train

run: model ## Set up, then start Rasa, the action server and the gateway
	@$(BIN)/bot run

run-scaled: model ## Two Rasa replicas on the local PostgreSQL and Redis (see README)
	@RASA_REPLICAS=$${RASA_REPLICAS:-2} \
	 TRACKER_STORE_URL=$${TRACKER_STORE_URL:-postgresql://postgres@127.0.0.1:5432/symptom_checker} \
	 LOCK_STORE_URL=$${LOCK_STORE_URL:-redis://127.0.0.1:6379/1} \
	 $(BIN)/bot run

validate: pipeline ## Validate the training data and domain
	@$(BIN)/python -m components.rasa_entry data validate --fail-on-warnings --domain domain.yml --data data

lint: setup ## ruff lint and format check
	@$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: setup ## Apply ruff's formatting and safe fixes
	@$(BIN)/ruff check --fix . && $(BIN)/ruff format .

test: model ## Set up, train when needed, then run the whole suite
	@scripts/ensure_chromium.sh
	@scripts/ensure_poppler.sh
	@scripts/ensure_webchat.sh
	@scripts/test.sh

clean: ## Remove build outputs (keeps .venv and the state folder)
	rm -rf build models reports .pytest_cache
