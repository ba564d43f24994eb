# flipscope — build, run, test, bench, deps, install.
# `make run` and `make test` install missing Debian packages first (make deps).

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
WERROR   ?=
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -O3 -g -ffp-contract=off -fno-math-errno \
              -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes $(WERROR) \
              -I. $(shell pkg-config --cflags openblas ncursesw zlib jansson 2>/dev/null)
CFLAGS   ?=
LIBS     = $(shell pkg-config --libs openblas ncursesw zlib jansson 2>/dev/null || echo -lopenblas -lncursesw -lz -ljansson) -lpthread -lm
TEST_LIBS = $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

# Kernel files named *_avx2.c / *_avx512.c / *_amx.c / *_bf16.c are compiled for that
# instruction set only; everything else targets baseline x86-64 so the binary
# runs on any CPU.
FLAGS_avx2   = -mavx2 -mfma -mpopcnt -mbmi2
FLAGS_avx512 = -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vpopcntdq -mavx512vnni -mfma -mpopcnt -mbmi2
FLAGS_amx    = -mamx-tile -mamx-bf16 -mavx512f -mavx512bw -mavx512vl -mavx512bf16
FLAGS_bf16   = -mavx512f -mavx512bw -mavx512vl -mavx512bf16

ENGINE_SRC   = $(wildcard engine/*.c)
DATASETS_SRC = $(wildcard datasets/*.c)
VIEWS_SRC    = $(wildcard views/*.c)
APP_SRC      = $(wildcard app/*.c app/*/*.c)
LIB_SRC      = $(ENGINE_SRC) $(DATASETS_SRC) $(VIEWS_SRC) $(filter-out app/main.c,$(APP_SRC))
TEST_SRC     = $(wildcard tests/test_*.c)
BENCH_SRC    = $(wildcard bench/bench_*.c)

obj = $(patsubst %.c,$(BUILD)/$(1)/%.o,$(2))
LIB_OBJ      = $(call obj,rel,$(LIB_SRC))
MAIN_OBJ     = $(call obj,rel,app/main.c)
TEST_OBJ     = $(call obj,rel,$(TEST_SRC))
SAN_LIB_OBJ  = $(call obj,san,$(LIB_SRC))
SAN_TEST_OBJ = $(call obj,san,$(TEST_SRC))
SAN_FLAGS    = -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

.PHONY: all run test test-san test-kill bad-inputs bench deps install clean fuzz fuzz-build
all: $(BUILD)/flipscope

isa_flags = $(if $(findstring _avx512.c,$(1)),$(FLAGS_avx512),$(if $(findstring _avx2.c,$(1)),$(FLAGS_avx2),$(if $(findstring _amx.c,$(1)),$(FLAGS_amx),$(if $(findstring _bf16.c,$(1)),$(FLAGS_bf16)))))

$(BUILD)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) $(call isa_flags,$<) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) $(SAN_FLAGS) $(call isa_flags,$<) -MMD -MP -c $< -o $@

$(BUILD)/flipscope: $(MAIN_OBJ) $(LIB_OBJ)
	$(CC) $^ -o $@ $(LIBS)

$(BUILD)/tests: $(TEST_OBJ) $(LIB_OBJ)
	$(CC) $^ -o $@ $(LIBS) $(TEST_LIBS)

$(BUILD)/tests-san: $(SAN_TEST_OBJ) $(SAN_LIB_OBJ)
	$(CC) $(SAN_FLAGS) $^ -o $@ $(LIBS) $(TEST_LIBS)

# The binary itself under ASan + UBSan, for the live view's key flood.
$(BUILD)/flipscope-san: $(call obj,san,app/main.c) $(SAN_LIB_OBJ)
	$(CC) $(SAN_FLAGS) $^ -o $@ $(LIBS)

$(BUILD)/bench/%: $(BUILD)/rel/bench/%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $^ -o $@ $(LIBS)

deps:
	@scripts/deps.sh

run: deps $(BUILD)/flipscope
	$(BUILD)/flipscope

# The Criterion suites run with the binary's directory as the place to find
# build/flipscope for end-to-end tests; TEST_ARGS passes extra Criterion flags.
test: deps $(BUILD)/flipscope $(BUILD)/tests
	FLIPSCOPE_BIN=$(BUILD)/flipscope $(BUILD)/tests $(TEST_ARGS)
	@for t in tests/e2e_*.sh; do [ -e "$$t" ] || continue; echo "== $$t"; FLIPSCOPE_BIN=$(BUILD)/flipscope bash $$t || exit 1; done
	@KILLS=25 FLIPSCOPE_BIN=$(BUILD)/flipscope bash tests/kill_checkpoint.sh
	@KILLS=3 FLIPSCOPE_BIN=$(BUILD)/flipscope bash tests/kill_resume.sh
	@bash tests/no_flags_in_engine.sh
	@FLIPSCOPE_BIN=$(BUILD)/flipscope bash tests/bad_inputs.sh

# The kill test at length: SIGKILL a run that saves every step, 200 times, and
# load the checkpoint after each kill (`make test` does 25).
test-kill: $(BUILD)/flipscope
	KILLS=$${KILLS:-200} FLIPSCOPE_BIN=$(BUILD)/flipscope bash tests/kill_checkpoint.sh

# About 1100 bad inputs (flag values, names, data, config, checkpoint and log
# files, output places, subcommands), each of which must be rejected cleanly.
bad-inputs: $(BUILD)/flipscope
	@FLIPSCOPE_BIN=$(BUILD)/flipscope bash tests/bad_inputs.sh

# ASan + UBSan build of the same suites (OpenBLAS and zlib are not instrumented),
# then the live view's key flood against the instrumented binary (a report fails it).
test-san: deps $(BUILD)/flipscope $(BUILD)/tests-san $(BUILD)/flipscope-san
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=tests/lsan.supp FLIPSCOPE_BIN=$(BUILD)/flipscope $(BUILD)/tests-san --jobs 2 $(TEST_ARGS)
	FLIPSCOPE_BIN=$(BUILD)/flipscope-san bash tests/e2e_tui_flood.sh

bench: deps $(BUILD)/flipscope $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
	@scripts/deps.sh --bench
	@FLIPSCOPE_BIN=$(BUILD)/flipscope BUILD=$(BUILD) bash bench/run.sh

install: $(BUILD)/flipscope
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/flipscope $(DESTDIR)$(PREFIX)/bin/flipscope

# Fuzzing: libFuzzer targets in tests/fuzz/ (clang and libclang-rt-dev:
# scripts/deps.sh --fuzz), built with ASan + UBSan; `make fuzz
# FUZZ_SECONDS=N` runs each for N seconds on its corpus in build/fuzz/corpus/
# (seeded from tests/fuzz/seeds/). Crashes land in build/fuzz/crash-*.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = idx csv cifar config checkpoint resume jsonl
FUZZ_FLAGS    = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
# (glibc defines CMPLX for GCC only; clang has the builtin behind it.)
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -O1 -g -ffp-contract=off -I. \
                '-DCMPLX(x,y)=__builtin_complex((double)(x),(double)(y))' \
                $(shell pkg-config --cflags openblas ncursesw zlib jansson 2>/dev/null)
FUZZ_DATA_OBJ = $(call obj,fuzz,$(ENGINE_SRC) $(DATASETS_SRC))
FUZZ_APP_OBJ  = $(call obj,fuzz,$(VIEWS_SRC) $(filter-out app/main.c,$(APP_SRC)))
FUZZ_CLI_OBJ  = $(call obj,fuzz,$(wildcard app/cli/*.c app/io/*.c))
FUZZ_BINS     = $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(BUILD)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_FLAGS) $(call isa_flags,$<) -MMD -MP -c $< -o $@

# The file parsers need the engine and datasets; config the command-line layer (app/cli,
# app/io) too; checkpoint, resume and jsonl the app.
$(BUILD)/fuzz/fuzz_idx $(BUILD)/fuzz/fuzz_csv $(BUILD)/fuzz/fuzz_cifar: $(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/tests/fuzz/fuzz_%.o $(FUZZ_DATA_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $^ -o $@ $(LIBS)
$(BUILD)/fuzz/fuzz_config: $(BUILD)/fuzz/tests/fuzz/fuzz_config.o $(FUZZ_DATA_OBJ) $(FUZZ_CLI_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $^ -o $@ $(LIBS)
$(BUILD)/fuzz/fuzz_checkpoint $(BUILD)/fuzz/fuzz_resume $(BUILD)/fuzz/fuzz_jsonl: $(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/tests/fuzz/fuzz_%.o $(FUZZ_DATA_OBJ) $(FUZZ_APP_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $^ -o $@ $(LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/corpus/$$t; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  dict=; [ -e tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	  FLIPSCOPE_FUZZ_SEEDS=$(BUILD)/fuzz/corpus/$$t $(BUILD)/fuzz/fuzz_$$t $$dict \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(BUILD)/fuzz/crash-$$t- \
	    $(BUILD)/fuzz/corpus/$$t tests/fuzz/seeds/$$t >$(BUILD)/fuzz/$$t.log 2>&1; rc=$$?; \
	  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb)' $(BUILD)/fuzz/$$t.log; \
	  [ $$rc -eq 0 ] || { tail -n 40 $(BUILD)/fuzz/$$t.log; exit 1; }; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
