// BLASSetup: makes sure OpenBLAS runs kernels that fit this CPU. Debian's OpenBLAS 0.3.21 names
// some recent CPUs "Prescott" (SSE3, ~5x slower); it reads OPENBLAS_CORETYPE only when the
// library loads, so the fix is to set it and re-execute the same binary (platform-notes §19–20).
import COpenBLAS
import CShims
import Foundation

/// OpenBLAS kernel selection: reports the core in use and corrects a too-old guess at start-up.
public enum BLASSetup {
  /// The kernel family OpenBLAS chose ("SkylakeX", "Haswell", "Prescott", …).
  public static var coreName: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }

  /// The OpenBLAS configuration string (version, build options).
  public static var configuration: String {
    guard let text = openblas_get_config() else { return "unknown" }
    return String(cString: text)
  }

  /// The core type this CPU should run, if OpenBLAS picked an older one; nil when fine.
  public static func betterCoreType() -> String? {
    let modern: Set<String> = ["SkylakeX", "Cooperlake", "SapphireRapids", "Zen", "Haswell"]
    let avx512: Set<String> = ["SkylakeX", "Cooperlake", "SapphireRapids"]
    let current = coreName
    if noiseda_cpu_has_avx512() != 0, !avx512.contains(current) { return "SkylakeX" }
    if noiseda_cpu_has_avx2_fma() != 0, !modern.contains(current) { return "Haswell" }
    return nil
  }

  /// Call first thing in `main`: when OPENBLAS_CORETYPE is unset and OpenBLAS picked kernels
  /// older than the CPU, sets it and re-executes this binary with the same arguments (same
  /// PID, so safe under mpirun). A value the user set is always respected.
  public static func reexecWithBetterKernelsIfNeeded() {
    let env = ProcessInfo.processInfo.environment
    guard env["OPENBLAS_CORETYPE"] == nil, env["NOISEDA_BLAS_REEXEC"] == nil,
      let better = betterCoreType()
    else { return }
    setenv("OPENBLAS_CORETYPE", better, 1)
    setenv("NOISEDA_BLAS_REEXEC", "1", 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    // execv returns only on failure: carry on with the slower kernels.
  }
}
