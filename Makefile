# SPDX-License-Identifier: GPL-2.0
#
# xfrm-ctx. The two commands of the README:
#   make demo    boot the VM, hand a live tunnel from gateway A to gateway B
#   make check   host unit tests, then the VM selftests on kernels 6.1 and 6.12
#   make check-all  the same on every kernel line (6.12-trixie and 7.x too)
# Both install what they need first (scripts/setup-deps, idempotent).
#
# Other targets:
#   make [all]            module for KVER (default 6.1) and the helper
#   make modules KVER=6.12|6.12-trixie|7.x|<abi>
#   make helper           libxfrmctx and xfrmctx
#   make unit             host unit tests; unit-trixie: on Debian 13's libraries
#   make vm KVER=.. CMD=..  a shell command in the VM (default: the selftests)
#   make regen            regenerate uapi and policy code from the YAML spec
#   make install          the tools, library, man pages, scripts, bash completion
#                         (DESTDIR, PREFIX)
#   make dkms-source      the module's source for DKMS in /usr/src/xfrm-ctx-VERSION
#   make deb              the Debian packages (debian/), into build/deb/
#   make deb-check        install them in the VM, DKMS builds the module there
#                         (on 6.1 and 6.12: one VM boot each)
#   make bench            benchmarks in the VM on both kernels -> bench/results/
#   make fuzz             libFuzzer targets, FUZZ_TIME s each (default 300), and
#                         the module's netlink fuzzer at length in the VM
#   make soak             10 000 hand-overs under traffic in the VM (minutes)
#   make check-debug      the selftests, fuzzer and a soak on a KASAN/lockdep/
#                         kmemleak/failslab build of 6.12 (hours)

TOP   := $(abspath .)
# The project's one version number: module, DKMS, library, tools, packages.
VERSION := $(shell cat $(TOP)/VERSION)
BUILD := $(TOP)/build
KVER  ?= 6.1
LINES := $(shell bash -c '. $(TOP)/scripts/kernels.sh && echo $$XC_LINES')
ABI    = $(shell bash -c '. $(TOP)/scripts/kernels.sh && xc_resolve $(KVER)')
KDIR   = $(shell bash -c '. $(TOP)/scripts/kernels.sh && xc_kdir $(ABI)')
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h) kmod/Kbuild VERSION

all: modules helper

deps:
	@scripts/setup-deps --quiet

# The module is built out of the source tree, one directory per kernel, so
# every kernel's objects can coexist. Kernels of trixie (6.12-trixie, 7.x)
# need its compiler and glibc: they are built inside the trixie root
# (scripts/trixie-root), which sees this tree at the same path.
modules:
	@abi="$(ABI)"; [ -n "$$abi" ] || { echo "unknown kernel '$(KVER)'; run scripts/setup-deps --kernels $(KVER)" >&2; exit 1; }; \
	inroot=$$(bash -c '. $(TOP)/scripts/kernels.sh && xc_in_root "$$1" && echo $(TOP)/scripts/trixie-root run' - "$$abi"); \
	if [ -z "$$inroot" ] && [ ! -d "$(KDIR)" ]; then echo "no headers for $$abi in $(KDIR); run scripts/setup-deps --kernels $(KVER)" >&2; exit 1; fi; \
	out=$(BUILD)/kmod/$$abi; mkdir -p $$out; \
	for f in $(KMOD_SRCS); do ln -sf $(TOP)/$$f $$out/; done; \
	if [ -n "$$inroot" ]; then \
		$$inroot make -j2 -s -C $(KDIR) M=$$out XC_UAPI=$(TOP) CONFIG_XFRM_CTX=m W=1 \
			KCFLAGS=-Werror modules; \
	else \
		$(MAKE) -s -C $(KDIR) M=$$out XC_UAPI=$(TOP) CONFIG_XFRM_CTX=m W=1 \
			KCFLAGS=-Werror modules; \
	fi

helper:
	@$(MAKE) -s -C helper TOP=$(TOP)

# The unit tests, the installed library as libxfrmctx(3) says to use it,
# and the tools' help against their man page and bash completion.
unit: helper
	@$(MAKE) -s -C helper TOP=$(TOP) check
	@scripts/check-pkgconfig
	@scripts/check-cli

# The same unit tests built and run in the trixie root, on Debian 13's
# OpenSSL 3.5 and libnl (part of make check-all; under a minute).
unit-trixie:
	@scripts/trixie-root devel
	@scripts/trixie-root run make -s -j2 -C helper TOP=$(TOP) O=$(BUILD)/helper-trixie check

check-spec:
	@scripts/ynl-regen --check

vm: modules helper
	selftests/vm/run --kernel $(KVER) $(CMD)

check: deps
	@scripts/check

# Every kernel line, trixie's included (built in the trixie root).
check-all:
	@scripts/setup-deps --quiet --all
	@scripts/check --all

demo: deps
	@selftests/vm/run --kernel $(KVER) selftests/demo.sh

regen:
	scripts/ynl-regen

# The tool, the library (static, with its header, the uapi header and a
# pkg-config file) and the man pages.
install: helper
	@$(MAKE) -s -C helper TOP=$(TOP) install

# The module's source as DKMS takes it (DESTDIR for packaging): the files
# the module builds from, and dkms.conf with the version filled in. Then
# `dkms install xfrm-ctx/$(VERSION)`.
DKMS_SRC = $(DESTDIR)/usr/src/xfrm-ctx-$(VERSION)
dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp --parents -t $(DKMS_SRC) $(KMOD_SRCS) kmod/Makefile uapi/linux/xfrm_ctx.h Kconfig
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DKMS_SRC)/dkms.conf
	@echo "DKMS source in $(DKMS_SRC); now: dkms install xfrm-ctx/$(VERSION)"

# Debian packages (debian/): xfrm-ctx-dkms, xfrmctx, libxfrmctx1,
# libxfrmctx-dev, built from a copy of the tree, results in build/deb/.
deb:
	@scripts/build-deb

# The packages installed on a gateway: in the VM, into a chroot whose DKMS
# builds the module for the running kernel (minutes: the compiler runs
# emulated), one boot per kernel line of make check (DEB_LINES=6.1 for
# one). Not part of make check.
DEB_LINES ?= $(LINES)
deb-check: deb
	@for l in $(DEB_LINES); do \
		echo "=== deb-check on $$l"; \
		selftests/vm/run --kernel $$l --timeout 2400 selftests/deb_install.sh || exit 1; \
	done

# Benchmarks, fuzzing, soak (issue 7): long runs, not part of `make check`
# (which runs the fuzz regression and the short netlink fuzzer).
bench: deps
	@bench/run

FUZZ_TIME ?= 300
fuzz: deps
	@fuzz/run --time $(FUZZ_TIME)
	@for l in $(LINES); do \
		selftests/vm/run --kernel $$l "XC_FUZZ_ITERS=50000 XC_FUZZ_SEED=random XC_TEST_TIMEOUT=3000 \
			make -s -C selftests run_tests TESTS=xfrm_ctx_fuzz.py" || exit 1; \
	done

fuzz-regress: deps
	@fuzz/run --regress

soak: deps
	@for l in $(LINES); do \
		selftests/vm/run --kernel $$l --timeout 5400 \
			"XC_TEST_TIMEOUT=5000 make -s -C selftests run_tests TESTS=xfrm_ctx_soak.py" || exit 1; \
	done

# The debug-kernel lane (issue 16): Debian's 6.12 built with KASAN, lockdep,
# kmemleak and failslab (scripts/debug-kernel, once, cached in
# /var/cache/xfrm-ctx/debug-kernel), every selftest, 100 000 fuzzed
# requests with failslab and 1 000 hand-overs on it, a kmemleak scan
# (selftests/vm/debug-lane). Hours under TCG: not part of make check.
# DEBUG_PARTS="selftests fuzz soak" (a subset runs alone); DEBUG_ENV: the
# lane's knobs in the guest (XC_DEBUG_TEST_TIMEOUT=600 ...); logs in
# build/debug-lane/.
DEBUG_PARTS ?=
DEBUG_ENV ?=
DEBUG_TIMEOUT ?= 28800
check-debug: deps
	@nice -n 19 scripts/debug-kernel >/dev/null
	@rm -rf $(BUILD)/debug-lane/guest
	@XC_VM_KEEP=$(BUILD)/debug-lane/guest nice -n 19 selftests/vm/run --kernel debug \
		--mem 4096 --timeout $(DEBUG_TIMEOUT) "$(DEBUG_ENV) selftests/vm/debug-lane $(DEBUG_PARTS)"

clean:
	rm -rf $(BUILD)/kmod $(BUILD)/helper $(BUILD)/vm $(BUILD)/fuzz $(BUILD)/bench

.PHONY: all deps modules helper unit unit-trixie check-spec vm check check-all demo regen clean install dkms-source deb deb-check bench fuzz fuzz-regress soak check-debug
