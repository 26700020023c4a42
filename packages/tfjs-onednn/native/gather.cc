// Gathering rows by index: CRD picks B·(K+1) ≈ 1 M scores out of its [B, N] score matrix each step, which
// tfjs-backend-wasm's GatherV2 ran at ~50 ns a value.
#include "kd_onednn.h"

#include <cstring>

namespace kd_onednn {

// gather(heap, x, indices, out, count, inner, rows): out[i] = row indices[i] of x (rows × inner floats), for `count`
// int32 indices; an index outside [0, rows) is an error, as in tfjs's cpu backend.
napi_value Gather_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 6, &a)) return throwError(env, "gather: bad arguments");
  const int64_t count = a.integer(3), inner = a.integer(4), rows = a.integer(5);
  if (count < 1 || inner < 1 || rows < 1) return throwError(env, "gather: sizes must be positive");
  const float* x = a.tensor(0, rows * inner);
  // int32 indices are as wide as floats: the same bounds check
  const int32_t* idx = reinterpret_cast<const int32_t*>(a.tensor(1, count));
  float* out = a.tensor(2, count * inner);
  if (!a.ok) return throwError(env, "gather: a tensor outside the heap");
  int64_t bad = -1;
#pragma omp parallel for schedule(static) if (count * inner >= kParallelFrom) reduction(max : bad)
  for (int64_t i = 0; i < count; i++) {
    const int64_t j = idx[i];
    if (j < 0 || j >= rows) {
      bad = std::max(bad, i);
      continue;
    }
    std::memcpy(out + i * inner, x + j * inner, static_cast<size_t>(inner) * sizeof(float));
  }
  if (bad >= 0)
    return throwError(env, "gather: index " + std::to_string(idx[bad]) + " (position " + std::to_string(bad) +
                               ") is outside [0, " + std::to_string(rows) + ")");
  return nullptr;
}

}  // namespace kd_onednn
