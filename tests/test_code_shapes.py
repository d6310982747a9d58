from django.test import SimpleTestCase

from codes.code_shapes import (
    CODE_IN_TEXT,
    CODE_LIKE,
    CODE_PART,
    CODE_PREFIX,
    CPT_CODE,
    HCPCS_CODE,
    MODIFIER,
)


class CodeShapeTests(SimpleTestCase):
    def test_a_level_ii_code_is_a_letter_and_four_ascii_digits(self):
        assert HCPCS_CODE.fullmatch("E0601")
        for text in ["e0601", "E060", "E06011", "EE601", "E٠٦٠١"]:
            with self.subTest(text=text):
                assert not HCPCS_CODE.fullmatch(text)

    def test_cpt_codes_are_five_digits_or_four_and_f_t_or_u(self):
        for text in ["99213", "0001F", "0042T", "0001U", "0001f"]:
            with self.subTest(text=text):
                assert CPT_CODE.fullmatch(text)
        for text in ["9921", "0001A", "E0601", "٩٩٢١٣"]:
            with self.subTest(text=text):
                assert not CPT_CODE.fullmatch(text)

    def test_modifiers_prefixes_and_parts(self):
        assert MODIFIER.fullmatch("GY") and MODIFIER.fullmatch("59")
        assert not MODIFIER.fullmatch("G")
        assert CODE_PREFIX.fullmatch("E") and CODE_PREFIX.fullmatch("E060")
        assert not CODE_PREFIX.fullmatch("E0601")
        assert CODE_PART.fullmatch("A4") and not CODE_PART.fullmatch("E06011")

    def test_codes_are_found_inside_text_in_either_case(self):
        assert CODE_IN_TEXT.findall("see e0601 or E0602, not E06011") == ["e0601", "E0602"]

    def test_code_like_text_is_a_letter_and_one_to_four_letters_or_digits(self):
        for text in ["GZ", "E060", "K00X1"]:
            with self.subTest(text=text):
                assert CODE_LIKE.fullmatch(text)
        for text in ["G", "E06011", "0601", "E-06", "E٠٦"]:
            with self.subTest(text=text):
                assert not CODE_LIKE.fullmatch(text)
