"""The pages' two languages: English msgids, Vietnamese (the default) from the catalogue
below. The service is small and separate from dinhdanh, so a dict does what a Babel
catalogue would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

LANGS: Final = ("vi", "en")

VI: Final[dict[str, str]] = {
    # Layout and home page.
    "Temporary residence registration": "Đăng ký tạm trú",
    "Public Service Portal (demo)": "Cổng Dịch vụ công (bản demo)",
    "Sign out": "Đăng xuất",
    "A demonstration of a public service connected to the dinhdanh e-ID: it is not a real "
    "government service and files nothing with the police.": "Bản trình diễn một dịch vụ công "
    "kết nối với định danh điện tử dinhdanh: đây không phải dịch vụ thật của cơ quan nhà nước "
    "và không gửi hồ sơ nào đến cơ quan công an.",
    "You are signed out of the service and of dinhdanh.": "Bạn đã đăng xuất khỏi dịch vụ và "
    "khỏi dinhdanh.",
    "Hello, {name}": "Xin chào, {name}",
    "Your details from dinhdanh fill in the declaration; you complete the rest.": "Thông tin "
    "của bạn từ dinhdanh được điền sẵn vào tờ khai; bạn chỉ cần bổ sung phần còn lại.",
    "Declare for myself": "Khai cho bản thân",
    "Declare for my child or ward": "Khai thay cho con hoặc người được giám hộ",
    "Your declarations": "Hồ sơ đã nộp",
    "Reference number": "Mã hồ sơ",
    "Filed": "Ngày nộp",
    "New place": "Nơi tạm trú",
    "Status": "Trạng thái",
    "Received": "Đã tiếp nhận",
    "Sign in to declare": "Đăng nhập để kê khai",
    "Sign in with your level-2 electronic identification account: your name, date of birth, "
    "sex, personal ID and permanent residence are filled in from the National Population "
    "Database, so you type only what is new.": "Đăng nhập bằng tài khoản định danh điện tử "
    "mức độ 2: họ tên, ngày sinh, giới tính, số định danh cá nhân và nơi thường trú được điền "
    "sẵn từ Cơ sở dữ liệu quốc gia về dân cư, bạn chỉ cần nhập những thông tin mới.",
    "Sign in with dinhdanh": "Đăng nhập bằng dinhdanh",
    "dinhdanh asks for your consent before giving this service any data.": "dinhdanh sẽ hỏi "
    "ý kiến đồng ý của bạn trước khi cung cấp bất kỳ dữ liệu nào cho dịch vụ này.",
    "About this procedure": "Về thủ tục này",
    "Who: a citizen living for 30 days or more at a legal place outside the commune of their "
    "permanent residence, to work, study or for another purpose (Law on Residence 2020, "
    "Art. 27).": "Đối tượng: công dân đến sinh sống tại chỗ ở hợp pháp ngoài phạm vi đơn vị "
    "hành chính cấp xã nơi đã đăng ký thường trú để lao động, học tập hoặc vì mục đích khác từ "
    "30 ngày trở lên (Điều 27 Luật Cư trú 2020).",
    "For how long: at most 2 years a time; it can be renewed.": "Thời hạn: tối đa 02 năm mỗi "
    "lần và có thể tiếp tục gia hạn nhiều lần.",
    "What is needed: the declaration on changes of residence information (form CT01) and a "
    "paper proving the legal place of residence: your own property, the owner's consent, or a "
    "rental, loan or lodging contract (Art. 28).": "Hồ sơ: Tờ khai thay đổi thông tin cư trú "
    "(mẫu CT01) và giấy tờ, tài liệu chứng minh việc sử dụng chỗ ở hợp pháp: chỗ ở thuộc sở "
    "hữu của mình, được chủ sở hữu đồng ý, hoặc hợp đồng cho thuê, cho mượn, cho ở nhờ "
    "(Điều 28).",
    "A minor's declaration carries the consent of a parent or guardian.": "Tờ khai của người "
    "chưa thành niên phải ghi rõ ý kiến đồng ý của cha, mẹ hoặc người giám hộ.",
    "Where: the police of the commune where the new place is. Within 3 working days they "
    "check the file and update the registry, or answer in writing with the reason for a "
    "refusal.": "Nơi nộp: Công an cấp xã nơi có chỗ ở mới. Trong thời hạn 03 ngày làm việc, cơ "
    "quan đăng ký cư trú thẩm định, cập nhật thông tin vào Cơ sở dữ liệu về cư trú, hoặc trả "
    "lời bằng văn bản và nêu rõ lý do nếu từ chối.",
    # The form.
    "Filled in from your dinhdanh e-ID": "Điền sẵn từ định danh điện tử dinhdanh",
    "— choose —": "— chọn —",
    "Declaration": "Tờ khai",
    "Declaration on changes of residence information": "Tờ khai thay đổi thông tin cư trú",
    "form CT01": "mẫu CT01",
    "Fields marked ✓ dinhdanh were filled in from your e-ID; your name, date of birth, sex, "
    "personal ID and permanent residence cannot be changed here.": "Các ô có dấu ✓ dinhdanh "
    "được điền sẵn từ định danh điện tử của bạn; họ tên, ngày sinh, giới tính, số định danh cá "
    "nhân và nơi thường trú không sửa được tại đây.",
    "Please correct the fields marked below.": "Vui lòng sửa các ô được đánh dấu dưới đây.",
    "Who declares": "Người kê khai",
    "You declare for yourself.": "Bạn tự kê khai cho bản thân.",
    "Declare for my child or ward instead": "Chuyển sang khai thay cho con hoặc người được giám hộ",
    "You declare for your child or ward; their details are not in your sign-in, so type them "
    "below.": "Bạn khai thay cho con hoặc người được giám hộ; thông tin của người này không có "
    "trong lần đăng nhập của bạn, vui lòng nhập bên dưới.",
    "Declare for myself instead": "Chuyển sang khai cho bản thân",
    "Declarant": "Người kê khai",
    "Personal ID": "Số định danh cá nhân",
    "Your relation to the person": "Quan hệ của bạn với người đăng ký",
    "The person registering": "Người đăng ký tạm trú",
    "You already have a temporary residence at {place}; a new registration replaces it.": "Bạn "
    "đang có nơi tạm trú tại {place}; đăng ký mới sẽ thay thế nơi tạm trú này.",
    "Full name": "Họ, chữ đệm và tên",
    "Date of birth": "Ngày, tháng, năm sinh",
    "DD/MM/YYYY (or MM/YYYY, YYYY)": "ngày/tháng/năm (hoặc tháng/năm, năm)",
    "Sex": "Giới tính",
    "12 digits": "12 chữ số",
    "Permanent residence": "Nơi thường trú",
    "Phone number": "Số điện thoại",
    "E-mail": "Email",
    "The new place": "Nơi đăng ký tạm trú",
    "Province or city": "Tỉnh, thành phố",
    "Commune, ward or special zone": "Xã, phường, đặc khu",
    "House number, street, hamlet or village": "Số nhà, đường phố, tổ, thôn, xóm",
    "For example: Số 12, ngõ 5, phố Hàng Bạc": "Ví dụ: Số 12, ngõ 5, phố Hàng Bạc",
    "The declaration goes to the police of that commune, who register temporary residence "
    "there.": "Tờ khai được gửi đến Công an cấp xã nơi đó, là cơ quan đăng ký tạm trú.",
    "Period of stay": "Thời hạn tạm trú",
    "From": "Từ ngày",
    "Until": "Đến ngày",
    "From 30 days to 2 years": "Từ 30 ngày đến 02 năm",
    "Legal place of residence": "Chỗ ở hợp pháp",
    "On what grounds do you live there?": "Bạn ở tại chỗ ở này trên cơ sở nào?",
    "Owner or landlord: full name": "Chủ sở hữu hoặc bên cho thuê: họ và tên",
    "Owner or landlord: personal ID": "Chủ sở hữu hoặc bên cho thuê: số định danh cá nhân",
    "Contract signed on": "Ngày ký hợp đồng",
    "Contract ends on": "Ngày hết hạn hợp đồng",
    "If the contract says": "Nếu hợp đồng có ghi",
    "Number of the ownership certificate or contract": "Số giấy chứng nhận quyền sở hữu hoặc "
    "số hợp đồng",
    "Bring or upload the paper when the police ask for it.": "Xuất trình hoặc tải lên giấy tờ "
    "khi cơ quan công an yêu cầu.",
    "Household at the new place": "Hộ gia đình tại nơi ở mới",
    "Household": "Hộ gia đình",
    "Head of household: full name": "Chủ hộ: họ và tên",
    "Head of household: personal ID": "Chủ hộ: số định danh cá nhân",
    "Relation to the head of household": "Quan hệ với chủ hộ",
    "Notes": "Ghi chú",
    "Anything the police should know (optional)": "Nội dung khác cần trình bày (không bắt buộc)",
    "I declare that the information above is true and take responsibility for it before the "
    "law.": "Tôi xin cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm "
    "trước pháp luật về lời cam đoan của mình.",
    "Pledge": "Lời cam đoan",
    "Submit the declaration": "Nộp tờ khai",
    "Cancel": "Hủy",
    # Choices.
    "Myself": "Bản thân",
    "My child or ward": "Con hoặc người được giám hộ",
    "Father": "Cha",
    "Mother": "Mẹ",
    "Guardian": "Người giám hộ",
    "Male": "Nam",
    "Female": "Nữ",
    "The place is mine (ownership certificate)": "Chỗ ở thuộc sở hữu của tôi (giấy chứng nhận "
    "quyền sở hữu)",
    "The owner agrees that I live there": "Được chủ sở hữu chỗ ở đồng ý cho ở",
    "A rental, loan or lodging contract": "Hợp đồng cho thuê, cho mượn, cho ở nhờ",
    "I join the household of the head named below": "Nhập vào hộ gia đình của chủ hộ có tên "
    "dưới đây",
    "I start a household of my own there (I am its head)": "Lập hộ mới tại chỗ ở này (tôi là "
    "chủ hộ)",
    "Wife or husband": "Vợ hoặc chồng",
    "Child": "Con",
    "Father or mother": "Cha hoặc mẹ",
    "Brother or sister": "Anh, chị, em",
    "Grandchild": "Cháu",
    "Grandparent": "Ông, bà",
    "Other relative": "Họ hàng khác",
    "Lodger or tenant": "Người ở nhờ, ở thuê",
    "Other": "Khác",
    # The form's errors.
    "This field is required.": "Vui lòng điền ô này.",
    "Choose one of the options.": "Vui lòng chọn một trong các phương án.",
    "This is too long.": "Nội dung quá dài.",
    "Write the name in letters only.": "Họ tên chỉ gồm chữ cái.",
    "Write the date of birth as DD/MM/YYYY (or MM/YYYY, YYYY).": "Ghi ngày sinh theo dạng "
    "ngày/tháng/năm (hoặc tháng/năm, năm).",
    "The date of birth cannot be in the future.": "Ngày sinh không thể ở tương lai.",
    "A personal ID has 12 digits.": "Số định danh cá nhân gồm 12 chữ số.",
    "This personal ID does not begin with a province code.": "Số định danh cá nhân này không "
    "bắt đầu bằng mã tỉnh.",
    "This personal ID does not match the sex given.": "Số định danh cá nhân này không khớp với "
    "giới tính.",
    "This personal ID does not match the year of birth.": "Số định danh cá nhân này không khớp "
    "với năm sinh.",
    "A phone number has 10 digits and starts with 0.": "Số điện thoại gồm 10 chữ số, bắt đầu "
    "bằng 0.",
    "This is not an e-mail address.": "Địa chỉ email không hợp lệ.",
    "Your sign-in did not give your name and personal ID.": "Lần đăng nhập không cung cấp họ "
    "tên và số định danh cá nhân của bạn.",
    "This is your own personal ID.": "Đây là số định danh cá nhân của chính bạn.",
    "Parents declare for children under 18; an adult declares for themselves.": "Cha, mẹ chỉ "
    "khai thay cho con dưới 18 tuổi; người đã thành niên tự kê khai.",
    "Choose a commune of the chosen province.": "Vui lòng chọn xã, phường thuộc tỉnh, thành phố "
    "đã chọn.",
    "This is the commune of your permanent residence: a temporary residence is registered "
    "only outside it.": "Đây là xã, phường nơi bạn thường trú: chỉ đăng ký tạm trú ở ngoài đơn "
    "vị hành chính cấp xã nơi thường trú.",
    "This is not a date.": "Ngày không hợp lệ.",
    "The stay must begin within the next 30 days.": "Thời gian tạm trú phải bắt đầu trong vòng "
    "30 ngày tới.",
    "The stay must end after today.": "Ngày kết thúc tạm trú phải sau ngày hôm nay.",
    "A temporary residence is registered for a stay of 30 days or more; for a shorter stay "
    "the host gives a stay notice (thông báo lưu trú).": "Đăng ký tạm trú áp dụng khi ở từ 30 "
    "ngày trở lên; nếu ở ngắn hơn, chủ nơi ở thực hiện thông báo lưu trú.",
    "A temporary residence lasts at most 2 years; renew it later.": "Thời hạn tạm trú tối đa "
    "là 02 năm; có thể gia hạn sau.",
    "Give the date the contract was signed.": "Vui lòng ghi ngày ký hợp đồng.",
    "The stay cannot last longer than the rental contract.": "Thời hạn tạm trú không được dài "
    "hơn thời hạn hợp đồng.",
    "To be the head yourself, choose a new household.": "Nếu bạn là chủ hộ, hãy chọn lập hộ mới.",
    "Confirm that the declaration is true.": "Vui lòng xác nhận lời cam đoan.",
    # The receipt.
    "Receipt": "Giấy tiếp nhận hồ sơ",
    "Your declaration has been filed.": "Hồ sơ của bạn đã được nộp.",
    "Sent to": "Nơi tiếp nhận",
    "Procedure": "Thủ tục",
    "Expected answer": "Thời hạn giải quyết",
    "Within 3 working days (Law on Residence 2020, Art. 28.3)": "03 ngày làm việc (khoản 3 "
    "Điều 28 Luật Cư trú 2020)",
    "What you declared": "Nội dung kê khai",
    "Temporary residence": "Nơi tạm trú",
    "Owner or landlord": "Chủ sở hữu hoặc bên cho thuê",
    "Head of household": "Chủ hộ",
    "Keep the reference number: the police quote it when they contact you.": "Hãy lưu mã hồ "
    "sơ: cơ quan công an sẽ dùng mã này khi liên hệ với bạn.",
    "Print": "In",
    "Back to the service": "Về trang dịch vụ",
    # Problems.
    "Error code": "Mã lỗi",
    "Try again": "Thử lại",
    "You did not allow the sign-in": "Bạn chưa cho phép đăng nhập",
    "dinhdanh gave this service none of your data, so the form cannot be filled in for you.": (
        "dinhdanh không cung cấp dữ liệu nào của bạn cho dịch vụ này, nên tờ khai không thể "
        "được điền sẵn."
    ),
    "You can sign in again and allow it, or file the declaration in person at the commune "
    "police.": "Bạn có thể đăng nhập lại và đồng ý, hoặc nộp tờ khai trực tiếp tại Công an cấp xã.",
    "A level-2 account is needed": "Cần tài khoản định danh điện tử mức độ 2",
    "This procedure needs a level-2 electronic identification account; yours is level 1.": (
        "Thủ tục này yêu cầu tài khoản định danh điện tử mức độ 2; tài khoản của bạn đang ở "
        "mức độ 1."
    ),
    "To get level 2, go to any commune police office or ID card office with your chip ID "
    "card: your portrait and fingerprints are taken there and the account is raised to level "
    "2 within 3 working days.": "Để có mức độ 2, bạn mang thẻ căn cước gắn chip đến Công an cấp "
    "xã hoặc nơi làm thủ tục cấp thẻ căn cước bất kỳ: cán bộ thu nhận ảnh chân dung, vân tay và "
    "nâng tài khoản lên mức độ 2 trong thời hạn 03 ngày làm việc.",
    "Meanwhile you can file the declaration in person at the police of the commune of the "
    "new place.": "Trong thời gian chờ, bạn có thể nộp tờ khai trực tiếp tại Công an cấp xã "
    "nơi có chỗ ở mới.",
    "The sign-in took too long": "Phiên đăng nhập đã hết hạn",
    "The sign-in was not finished in time, or it was started in another window. Please start "
    "again.": "Việc đăng nhập không hoàn tất kịp thời hoặc được bắt đầu ở cửa sổ khác. Vui lòng "
    "thực hiện lại.",
    "dinhdanh cannot be reached": "Không kết nối được với dinhdanh",
    "The e-ID service does not answer right now. Please try again in a few minutes.": "Hệ "
    "thống định danh điện tử hiện không phản hồi. Vui lòng thử lại sau ít phút.",
    "The sign-in could not be verified": "Không xác minh được việc đăng nhập",
    "The answer from dinhdanh did not pass this service's checks (signature, audience, time, "
    "nonce or level), so it was not accepted. Please sign in again.": "Kết quả trả về từ "
    "dinhdanh không vượt qua các bước kiểm tra của dịch vụ (chữ ký, đối tượng nhận, thời gian, "
    "nonce hoặc mức độ) nên không được chấp nhận. Vui lòng đăng nhập lại.",
    "dinhdanh could not sign you in": "dinhdanh không thể đăng nhập cho bạn",
    "The e-ID service refused the sign-in request. Please try again; if it keeps failing, "
    "give the error code below to the service's support.": "Hệ thống định danh điện tử từ chối "
    "yêu cầu đăng nhập. Vui lòng thử lại; nếu vẫn lỗi, hãy báo mã lỗi dưới đây cho bộ phận hỗ "
    "trợ của dịch vụ.",
    "The page has expired": "Trang đã hết hạn",
    "For your safety the form could not be accepted. Open it again and submit once more.": (
        "Vì lý do an toàn, biểu mẫu không được chấp nhận. Vui lòng mở lại và gửi lại."
    ),
    "Receipt not found": "Không tìm thấy hồ sơ",
    "None of your declarations has this reference number.": "Không có hồ sơ nào của bạn mang "
    "mã này.",
}


def translator(lang: str) -> Callable[[str], str]:
    """`_` for the pages: the Vietnamese text of an English msgid (the msgid itself in
    English or when no translation exists)."""
    if lang != "vi":
        return lambda msgid: msgid
    return lambda msgid: VI.get(msgid, msgid)
