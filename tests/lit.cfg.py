# lit configuration for attnc's FileCheck tests: pass tests on .mlir files through
# attnc-opt, DSL diagnostic tests on .attn files through the attnc CLI, and CLI tests
# in .test files. Tools come from the build tree; FileCheck and not from LLVM 19.
import os
import lit.formats

config.name = "attnc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".attn", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attnc_obj_root, "tests")

config.environment["PATH"] = os.pathsep.join(
    [config.attnc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.environment["ATTNC_CACHE_DIR"] = os.path.join(config.attnc_obj_root, "tests", "cache")

config.substitutions.append(("%attnc-opt", os.path.join(config.attnc_tools_dir, "attnc-opt")))
config.substitutions.append(("%attnc", os.path.join(config.attnc_tools_dir, "attnc")))
config.substitutions.append(("%examples", os.path.join(config.attnc_src_root, "examples")))
