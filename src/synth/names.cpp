#include "wangge/synth/names.hpp"

#include <array>
#include <cstdio>

namespace wangge::synth {

namespace {

// Common surnames, most frequent first; the weights fall off as in the census.
constexpr std::array<std::string_view, 60> surnames{
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏",
    "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金"};
constexpr std::array<std::string_view, 40> male_given{
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "斌", "鹏", "辉", "华", "建", "国", "平", "刚", "志", "浩", "宇",
    "俊", "峰", "晨", "阳", "博", "文", "凯", "东", "海", "林", "亮", "成", "龙", "飞", "波", "宁", "鑫", "翔", "振", "春"};
constexpr std::array<std::string_view, 40> female_given{
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "英", "玲", "桂", "兰", "萍", "红", "梅", "琳", "洁", "雪", "慧",
    "颖", "婷", "倩", "晶", "燕", "妍", "欣", "悦", "佳", "怡", "璐", "丹", "琴", "云", "玉", "凤", "莉", "薇", "月", "华"};
constexpr std::array<std::string_view, 48> place_characters{
    "金", "桐", "光", "华", "景", "东", "安", "和", "平", "新", "兴", "永", "福", "泰", "康", "宁",
    "德", "惠", "丰", "春", "秀", "嘉", "翠", "芳", "明", "阳", "朝", "晨", "松", "柏", "榆", "枣",
    "双", "井", "望", "京", "团", "结", "湖", "潘", "家", "园", "左", "右", "营", "台", "甸", "坊"};
constexpr std::array<std::string_view, 23> mobile_prefixes{
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "158", "159", "176", "177", "180", "185", "186", "187", "188", "189"};

template <std::size_t N>
std::string_view pick(Random& random, const std::array<std::string_view, N>& items) {
    return items[random.below(N)];
}

}  // namespace

std::string person_name(Random& random, bool male) {
    // Squaring the uniform favours the frequent surnames at the front.
    const double u = random.uniform();
    std::string name{surnames[static_cast<std::size_t>(u * u * static_cast<double>(surnames.size()))]};
    const auto& given = male ? male_given : female_given;
    name += pick(random, given);
    if (random.chance(0.7)) name += pick(random, given);
    return name;
}

std::string place_stem(Random& random) {
    const std::size_t first = random.below(place_characters.size());
    std::size_t second = random.below(place_characters.size() - 1);
    if (second >= first) ++second;
    return std::string{place_characters[first]} + std::string{place_characters[second]};
}

char id_check_character(std::string_view first17) noexcept {
    constexpr std::array<int, 17> weights{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    constexpr std::string_view check = "10X98765432";
    int sum = 0;
    for (std::size_t i = 0; i < weights.size() && i < first17.size(); ++i) sum += (first17[i] - '0') * weights[i];
    return check[static_cast<std::size_t>(sum % 11)];
}

std::string id_number(Random& random, std::string_view region, model::Timestamp birth, bool male) {
    const std::string date = model::format_iso8601(birth);  // YYYY-MM-DDT…
    const auto sequence = static_cast<int>(random.below(500)) * 2 + (male ? 1 : 0);
    char digits[4];
    std::snprintf(digits, sizeof digits, "%03d", sequence);
    std::string id{region};
    id += date.substr(0, 4);
    id += date.substr(5, 2);
    id += date.substr(8, 2);
    id += digits;
    id += id_check_character(id);
    return id;
}

std::string mobile_number(Random& random) {
    char rest[9];
    std::snprintf(rest, sizeof rest, "%08llu", static_cast<unsigned long long>(random.below(100'000'000)));
    return std::string{pick(random, mobile_prefixes)} + rest;
}

}  // namespace wangge::synth
