// The geometry of one 2-D convolution as the TypeScript side sends it (wasm-heap.ts geometryOf).
#pragma once

#include "kd_onednn.h"

namespace kd_onednn {

// Geometry of one 2-D convolution, NHWC, as tfjs's computeConv2DInfo gives it (dilations ≥ 1, tfjs style).
// groups > 1: a grouped convolution; tfjs's depthwise convolutions are groups = C, the filter [kh, kw, C, M] being
// oneDNN's hwigo with one input channel per group.
struct Geometry {
  int64_t n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl, groups;
  memory::dims src() const { return {n, c, h, w}; }
  memory::dims wei() const {
    return groups == 1 ? memory::dims{o, c, kh, kw} : memory::dims{groups, o / groups, c / groups, kh, kw};
  }
  tag userTag() const { return groups == 1 ? tag::hwio : tag::hwigo; }
  int64_t weiSize() const { return kh * kw * (c / groups) * o; }
  memory::dims dst() const { return {n, o, oh, ow}; }
  memory::dims strides() const { return {sh, sw}; }
  memory::dims dilates() const { return {dh - 1, dw - 1}; }  // oneDNN counts the gaps, tfjs the step
  memory::dims padL() const { return {pt, pl}; }
  memory::dims padR() const {
    // Derived from the output size rather than taken from tfjs: exactly what the output reads — negative where a
    // 'valid' convolution leaves input rows unread, or where tfjs's numeric padding with a rounding mode sizes the
    // output smaller than the arithmetic would; tfjs's own bottom/right padding can also exceed it. oneDNN takes
    // negative right padding as "stop early".
    return {(oh - 1) * sh + (kh - 1) * dh + 1 - h - pt, (ow - 1) * sw + (kw - 1) * dw + 1 - w - pl};
  }
  std::string key() const {
    std::ostringstream s;
    s << n << ',' << h << ',' << w << ',' << c << ',' << kh << ',' << kw << ',' << o << ',' << oh << ',' << ow << ','
      << sh << ',' << sw << ',' << dh << ',' << dw << ',' << pt << ',' << pl << ',' << groups;
    return s.str();
  }
};

constexpr size_t kGeometryLength = 16;

inline bool geometryFrom(const int32_t* v, Geometry* g) {
  *g = Geometry{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
  return g->groups >= 1 && g->c % g->groups == 0 && g->o % g->groups == 0;
}

}  // namespace kd_onednn
