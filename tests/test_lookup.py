from django.test import SimpleTestCase

from codes import lookup
from codes.code_shapes import CPT_CODE


class CodeShapeTests(SimpleTestCase):
    def test_separators_inside_a_code_are_ignored(self):
        for text in ["E-0601", "e 0601", "E.0601", "e/0601", " E - 06 01 "]:
            with self.subTest(text=text):
                assert lookup.compact(text) == "E0601"

    def test_long_text_is_words_not_a_code(self):
        assert lookup.compact("e 0 6 0 1 with more words") == ""

    def test_cpt_shapes(self):
        for text in ["99213", "0525T", "1234F", "0001U"]:
            with self.subTest(text=text):
                assert CPT_CODE.fullmatch(lookup.compact(text))
        for text in ["E0601", "9921", "992133", "0525X", "12345678901"]:
            with self.subTest(text=text):
                assert not CPT_CODE.fullmatch(lookup.compact(text))
