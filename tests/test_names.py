from ortaq.names import latin_form


def test_kazakh_names_get_their_passport_latin_form():
    assert latin_form("Айгерім Сәрсенбаева", person=True) == "Aigerim Sarsenbaeva"
    assert latin_form("Ұлжан Өмірзақова", person=True) == "Ulzhan Omirzakova"


def test_russian_names_follow_icao_transliteration():
    assert latin_form("Щукин Юрий Андреевич", person=True) == "Shchukin Iurii Andreevich"


def test_chinese_person_names_are_pinyin_surname_first_given_name_as_one_word():
    assert latin_form("王小明", person=True) == "Wang Xiaoming"


def test_latin_text_is_left_unchanged():
    assert latin_form("Tianjin Haihe College") == "Tianjin Haihe College"
