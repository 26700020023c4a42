// What the addon's source files share: oneDNN's engine and stream, reading a call's arguments from Node-API, and
// the per-channel affine loop the batch-norm kernels both use. addon.cc says what the addon is; each .cc file holds
// one concern (convolutions, per-channel kernels, whole training batch norm, the SGD update, element-wise ops).
#pragma once

#include <node_api.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, nullptr, "@kd/tfjs-onednn: Node-API call failed"); \
      return nullptr;                                                        \
    }                                                                        \
  } while (0)

namespace kd_onednn {

struct Geometry;

// The process's oneDNN CPU engine and its stream.
engine& cpu();
stream& strm();

// Throws a JS Error "@kd/tfjs-onednn: <message>"; returns nullptr for the caller to return.
napi_value throwError(napi_env env, const std::string& message);
// Whether a float32 tensor of `elements` values at byte `offset` lies inside a heap of `heapBytes`.
bool inHeap(size_t heapBytes, double offset, int64_t elements);
// The geometry argument of a convolution call (an Int32Array of kGeometryLength values).
bool geometryArg(napi_env env, napi_value value, Geometry* g);
// args: heap, then `expected − 1` numbers (byte offsets, sizes, flags); with `g`, the geometry comes second.
bool readNumbers(napi_env env, napi_callback_info info, size_t expected, uint8_t** heap, size_t* heapBytes,
                 double* numbers, Geometry* g = nullptr);

// The arguments of an element-wise call: the heap, then numbers — tensors' byte offsets (-1: an absent optional
// one), sizes and scalars. `tensor` checks that a tensor of so many floats lies in the heap; a call whose tensors do
// not is refused as a whole (`ok`).
struct HeapArgs {
  uint8_t* heap = nullptr;
  size_t bytes = 0;
  double n[15] = {};
  bool ok = true;
  float* tensor(int i, int64_t elements, bool optional = false) {
    if (optional && n[i] < 0) return nullptr;
    if (elements <= 0 || !inHeap(bytes, n[i], elements)) {
      ok = false;
      return nullptr;
    }
    return reinterpret_cast<float*>(heap + static_cast<size_t>(n[i]));
  }
  int64_t integer(int i) const { return static_cast<int64_t>(n[i]); }
};

bool readHeapArgs(napi_env env, napi_callback_info info, size_t numbers, HeapArgs* a);

// Below this many elements a thread team costs more than it saves.
constexpr int64_t kParallelFrom = 1 << 15;

void channelAffine(const float* a, const float* b, const float* shift, const float* m, const float* q, const float* add,
                   float* out, int64_t rows, int64_t channels);

// The functions the addon exports (addon.cc's Init), by file.
napi_value Gather_(napi_env env, napi_callback_info info);                 // gather.cc
napi_value MatMul_(napi_env env, napi_callback_info info);                 // matmul.cc
napi_value Forward_(napi_env env, napi_callback_info info);                // conv.cc
napi_value BackwardData_(napi_env env, napi_callback_info info);           // conv.cc
napi_value BackwardWeights_(napi_env env, napi_callback_info info);        // conv.cc
napi_value Implementations_(napi_env env, napi_callback_info info);        // conv.cc
napi_value ChannelBinary_(napi_env env, napi_callback_info info);          // channel-kernels.cc
napi_value ChannelSum_(napi_env env, napi_callback_info info);             // channel-kernels.cc
napi_value BatchNorm_(napi_env env, napi_callback_info info);              // channel-kernels.cc
napi_value BatchNormTraining_(napi_env env, napi_callback_info info);      // batch-norm-training.cc
napi_value BatchNormTrainingGrad_(napi_env env, napi_callback_info info);  // batch-norm-training.cc
napi_value SgdUpdate_(napi_env env, napi_callback_info info);              // sgd-update.cc
napi_value Relu_(napi_env env, napi_callback_info info);                   // elementwise.cc
napi_value ReluGrad_(napi_env env, napi_callback_info info);               // elementwise.cc
napi_value Binary_(napi_env env, napi_callback_info info);                 // elementwise.cc

}  // namespace kd_onednn
