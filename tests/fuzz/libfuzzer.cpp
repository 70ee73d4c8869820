// libFuzzer entry point over one of targets.hpp, chosen at compile time
// (tests/fuzz/CMakeLists.txt builds one executable per target). A finding is
// an exception escaping here: libFuzzer reports it as a crash with the input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    using wangge::fuzz::WriteTarget;
    [[maybe_unused]] const auto write = [&](WriteTarget::Route route) {
        static WriteTarget target;  // one store for the whole run
        (void)target.run(route, std::string(input));
    };
#if defined(WANGGE_FUZZ_TARGET_geojson)
    wangge::fuzz::geojson_input(input);
#elif defined(WANGGE_FUZZ_TARGET_photo)
    wangge::fuzz::photo_input(input);
#elif defined(WANGGE_FUZZ_TARGET_query)
    wangge::fuzz::query_input(input);
#elif defined(WANGGE_FUZZ_TARGET_pmtiles)
    static const wangge::fuzz::PmtilesTarget pmtiles;
    pmtiles.run(input);
#elif defined(WANGGE_FUZZ_TARGET_path)
    static const wangge::fuzz::PathTarget paths;
    paths.run(input);
#elif defined(WANGGE_FUZZ_TARGET_incident)
    write(WriteTarget::Route::incident);
#elif defined(WANGGE_FUZZ_TARGET_visit)
    write(WriteTarget::Route::visit);
#elif defined(WANGGE_FUZZ_TARGET_draft)
    write(WriteTarget::Route::draft_update);
#elif defined(WANGGE_FUZZ_TARGET_validate)
    write(WriteTarget::Route::validate);
#endif
    return 0;
}
