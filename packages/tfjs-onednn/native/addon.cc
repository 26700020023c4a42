// oneDNN convolutions for TensorFlow.js's wasm backend in Node.js.
//
// Tensors stay where tfjs-backend-wasm keeps them, in the wasm heap: each call gets the heap (a Uint8Array over the
// wasm memory, plain or shared) and byte offsets, and oneDNN reads and writes there directly — no copies. Activations
// are NHWC (tfjs's layout, which oneDNN's AVX-512 kernels take as is); filters HWIO are reordered to whatever layout
// the chosen kernel wants, and a filter gradient back to HWIO.
//
// One primitive per (operation, geometry), kept for the life of the process: a training step calls the same few
// dozen geometries over and over, and building a primitive costs far more than running a small one.
//
// This file: the module, the process's oneDNN engine, and reading calls' arguments. The kernels are in conv.cc,
// channel-kernels.cc, batch-norm-training.cc, sgd-update.cc, elementwise.cc, matmul.cc and gather.cc.
#include "kd_onednn.h"

#include "conv-geometry.h"

namespace kd_onednn {

engine& cpu() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream& strm() {
  static stream s(cpu());
  return s;
}

napi_value throwError(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, ("@kd/tfjs-onednn: " + message).c_str());
  return nullptr;
}

// The heap argument: a Uint8Array over the wasm memory (plain or shared).
static bool heapArg(napi_env env, napi_value value, uint8_t** heap, size_t* heapBytes) {
  napi_typedarray_type type;
  void* data;
  napi_value buffer;
  size_t byteOffset;
  if (napi_get_typedarray_info(env, value, &type, heapBytes, &data, &buffer, &byteOffset) != napi_ok ||
      type != napi_uint8_array)
    return false;
  *heap = static_cast<uint8_t*>(data);
  return true;
}

// The geometry argument: an Int32Array of kGeometryLength values (wasm-heap.ts geometryOf).
bool geometryArg(napi_env env, napi_value value, Geometry* g) {
  napi_typedarray_type type;
  size_t length;
  int32_t* geo;
  napi_value buffer;
  size_t byteOffset;
  return napi_get_typedarray_info(env, value, &type, &length, reinterpret_cast<void**>(&geo), &buffer, &byteOffset) ==
             napi_ok &&
         type == napi_int32_array && length == kGeometryLength && geometryFrom(geo, g);
}

// args: heap, then `expected − 1` numbers (byte offsets, sizes, flags).
bool readNumbers(napi_env env, napi_callback_info info, size_t expected, uint8_t** heap, size_t* heapBytes,
                 double* numbers, Geometry* g) {
  napi_value argv[16];
  size_t argc = 16;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != expected ||
      !heapArg(env, argv[0], heap, heapBytes))
    return false;
  // Convolutions: the geometry comes second, the numbers after it.
  const size_t first = g ? 2 : 1;
  if (g && !geometryArg(env, argv[1], g)) return false;
  for (size_t i = first; i < expected; i++)
    if (napi_get_value_double(env, argv[i], &numbers[i - first]) != napi_ok) return false;
  return true;
}

bool inHeap(size_t heapBytes, double offset, int64_t elements) {
  return offset >= 0 && offset + 4.0 * static_cast<double>(elements) <= static_cast<double>(heapBytes);
}

bool readHeapArgs(napi_env env, napi_callback_info info, size_t numbers, HeapArgs* a) {
  return readNumbers(env, info, numbers + 1, &a->heap, &a->bytes, a->n);
}

namespace {

napi_value SetThreads_(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t n;
  CHECK(napi_get_value_int32(env, argv[0], &n));
  if (n < 1) return throwError(env, "setThreads: expected an integer >= 1");
  omp_set_num_threads(n);
  return nullptr;
}

napi_value Info_(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  std::ostringstream s;
  s << "{\"version\":\"" << v->major << '.' << v->minor << '.' << v->patch << "\",\"threads\":" << omp_get_max_threads()
    << ",\"isa\":" << static_cast<int>(get_effective_cpu_isa()) << "}";
  napi_value result;
  const std::string json = s.str();
  CHECK(napi_create_string_utf8(env, json.c_str(), json.size(), &result));
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"forward", nullptr, Forward_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"backwardData", nullptr, BackwardData_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"backwardWeights", nullptr, BackwardWeights_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"implementations", nullptr, Implementations_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelBinary", nullptr, ChannelBinary_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelSum", nullptr, ChannelSum_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, BatchNorm_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTraining", nullptr, BatchNormTraining_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMul", nullptr, MatMul_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gather", nullptr, Gather_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"relu", nullptr, Relu_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluGrad", nullptr, ReluGrad_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgdUpdate", nullptr, SgdUpdate_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTrainingGrad", nullptr, BatchNormTrainingGrad_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info_, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  CHECK(napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

}  // namespace
}  // namespace kd_onednn

NAPI_MODULE(NODE_GYP_MODULE_NAME, kd_onednn::Init)
